// An Application whose path holds a Chart.yaml: its chart rendered with `helm template`,
// with values from spec.helm, the source and the Application's namespace.

import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Application, HelmSpec } from '../../api/application.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { core, type KubeObject } from '../../kube/resources.ts';
import { parseManifests, type RenderedObject } from '../render.ts';
import { resolveWithin } from '../safe-path.ts';
import { checkDependencies, readChartMeta } from './chart-dependencies.ts';
import { HelmRenderError } from './helm-errors.ts';
import {
  type Capabilities,
  type ChartRenderDeps,
  type ChartRenderInput,
  renderChart,
  renderKey,
} from './render-chart.ts';
import { keyText, referenceValues, type ValuesReference, ValuesReferenceError } from './values-from.ts';

/** What rendering a chart needs from outside the source: the binary, the cluster, its objects. */
export interface ChartContext extends ChartRenderDeps {
  capabilities: () => Promise<Capabilities>;
  /** A ConfigMap or Secret of the Application's namespace; undefined when there is none. */
  readObject: (ref: ValuesReference) => Promise<KubeObject | undefined>;
}

export interface ChartApp {
  name: string;
  namespace: string;
  targetNamespace: string | undefined;
  helm: HelmSpec | undefined;
}

/** A chart context whose valuesFrom are read with `api` in the Application's namespace. */
export function chartContext(
  api: ObjectApi,
  namespace: string,
  deps: ChartRenderDeps & { capabilities: () => Promise<Capabilities> },
): ChartContext {
  return {
    ...deps,
    readObject: (ref) =>
      api.getOrUndefined(ref.kind === 'Secret' ? core.secrets : core.configMaps, namespace, ref.name),
  };
}

export function chartApp(app: Application): ChartApp {
  return {
    name: app.metadata.name,
    namespace: app.metadata.namespace as string,
    targetNamespace: app.spec.targetNamespace,
    helm: app.spec.helm,
  };
}

export function isChart(dir: string): boolean {
  return existsSync(join(dir, 'Chart.yaml'));
}

/**
 * The render input of an Application's chart at `dir` (inside the checkout `root`): values
 * files checked to stay in the repository, valuesFrom read, dependencies checked.
 */
async function chartInput(
  root: string,
  dir: string,
  app: ChartApp,
  ctx: ChartContext,
): Promise<ChartRenderInput> {
  const path = relative(root, dir) || '.';
  const spec = app.helm ?? {};
  const meta = await readChartMeta(dir, path);
  const label = meta.name && meta.name !== path ? `${path} (${meta.name} ${meta.version})` : path;
  await checkDependencies(dir, label, meta);
  const valuesFiles: string[] = [];
  for (const f of spec.valuesFiles ?? []) {
    valuesFiles.push(await resolveWithin(root, join(path, f)));
  }
  const values: Record<string, unknown>[] = [];
  for (const ref of spec.valuesFrom ?? []) {
    const doc = referenceValues(
      ref,
      keyText(ref, (await ctx.readObject(ref)) as Parameters<typeof keyText>[1]),
    );
    if (doc) values.push(doc);
  }
  if (spec.values && Object.keys(spec.values).length > 0) values.push(spec.values);
  return {
    chartDir: dir,
    chartLabel: label,
    within: root,
    releaseName: spec.releaseName ?? app.name,
    namespace: spec.namespace ?? app.targetNamespace ?? app.namespace,
    valuesFiles,
    values,
    skipCRDs: spec.skipCRDs === true,
    capabilities: await ctx.capabilities(),
  };
}

/** Splits helm's output by its `# Source:` comments, so each object names its template. */
export function chartObjects(manifests: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const chunk of manifests.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? 'helm template';
    out.push(...parseManifests(chunk, source));
  }
  return out;
}

/** The render key the chart at `path` would have now, without running helm. */
export async function currentRenderKey(
  root: string,
  path: string,
  app: ChartApp,
  ctx: ChartContext,
): Promise<string> {
  const realRoot = await realpath(root);
  return renderKey(await chartInput(realRoot, await resolveWithin(root, path || '.'), app, ctx), ctx.helm);
}

/** Renders an Application's chart; `renderKey` names the render for the cache and drift checks. */
export async function renderAppChart(
  root: string,
  dir: string,
  app: ChartApp,
  ctx: ChartContext,
): Promise<{ rendered: RenderedObject[]; renderKey: string }> {
  try {
    const input = await chartInput(root, dir, app, ctx);
    const { manifests, key } = await renderChart(input, ctx);
    return { rendered: chartObjects(manifests), renderKey: key };
  } catch (err) {
    if (err instanceof ValuesReferenceError)
      throw new HelmRenderError(relative(root, dir) || '.', err.message, { cause: err });
    throw err;
  }
}
