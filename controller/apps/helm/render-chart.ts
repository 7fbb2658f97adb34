// `helm template` of a chart on disk, as a subprocess (as kustomize is run): the chart,
// its values and the cluster's capabilities in, multi-document YAML out. Sources of charts
// (a path in git, a chart pulled from a HelmRepository) all end in a local directory and
// come through here, so they share the render cache and its error messages.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { fileDigest, treeDigest } from './chart-digest.ts';
import { HelmRenderError } from './helm-errors.ts';
import { RenderCache } from './render-cache.ts';

const run = promisify(execFile);
const TIMEOUT_MS = 60_000;
/** 32 MiB of rendered YAML: hundreds of charts of a few hundred objects each. */
const cache = new RenderCache(32 << 20);

/** What the cluster offers (`.Capabilities`): its version and the API versions it serves. */
export interface Capabilities {
  /** `v1.37.2`; helm's built-in default when absent. */
  kubeVersion?: string;
  /** `apps/v1` and `apps/v1/Deployment` forms, as helm's `--api-versions`. */
  apiVersions: readonly string[];
}

export interface ChartRenderInput {
  /** A local chart directory: Chart.yaml at its root, dependencies vendored under charts/. */
  chartDir: string;
  /** How messages name the chart: `charts/web` (a path in git), `podinfo@6.7.0`. */
  chartLabel: string;
  /** Symlinks in the chart must stay inside this directory (the repository); default chartDir. */
  within?: string;
  releaseName: string;
  namespace: string;
  /**
   * Values in the order helm merges them, later winning: files of the source (absolute
   * paths), then documents from ConfigMaps and Secrets, then the inline values.
   */
  valuesFiles: readonly string[];
  values: readonly Record<string, unknown>[];
  skipCRDs: boolean;
  capabilities: Capabilities;
}

export interface ChartRenderDeps {
  /** The helm binary. */
  helm: string;
  /** Told once per render, whether helm ran or the cache answered (metrics, debug logs). */
  onRender?: (outcome: { cached: boolean; key: string; chart: string }) => void;
}

export interface RenderedChart {
  /** Multi-document YAML, hooks included, in helm's order. */
  manifests: string;
  /** The digest of everything the output depends on: chart, values, capabilities, options. */
  key: string;
}

/**
 * Renders a chart with `helm template`. An unchanged chart with unchanged values and
 * capabilities is answered from memory: a periodic reconcile does not run helm again.
 */
export async function renderChart(input: ChartRenderInput, deps: ChartRenderDeps): Promise<RenderedChart> {
  const key = await renderKey(input, deps.helm);
  const hit = cache.get(key);
  deps.onRender?.({ cached: hit !== undefined, key, chart: input.chartLabel });
  if (hit !== undefined) return { manifests: hit, key };
  const manifests = await helmTemplate(input, deps.helm);
  cache.set(key, manifests);
  return { manifests, key };
}

/** The cache key of a render: the chart's files, the values, the capabilities and options. */
export async function renderKey(input: ChartRenderInput, helm: string): Promise<string> {
  const hash = createHash('sha256');
  const part = (s: string) => hash.update(s).update('\0');
  part(helm);
  part(await treeDigest(input.chartDir, input.within ?? input.chartDir, input.chartLabel));
  for (const f of input.valuesFiles) part(await fileDigest(f));
  part(JSON.stringify(input.values));
  part(input.capabilities.kubeVersion ?? '');
  part([...input.capabilities.apiVersions].sort().join(','));
  part(JSON.stringify([input.releaseName, input.namespace, input.skipCRDs]));
  return hash.digest('hex');
}

/** The arguments of `helm template`; `valuesPaths` hold the values documents, in order. */
export function templateArgs(input: ChartRenderInput, valuesPaths: readonly string[]): string[] {
  const args = ['template', input.releaseName, input.chartDir, '--namespace', input.namespace];
  // CRDs (the chart's crds/ folder) are applied like any object unless skipped.
  if (!input.skipCRDs) args.push('--include-crds');
  if (input.capabilities.kubeVersion) args.push('--kube-version', input.capabilities.kubeVersion);
  for (const v of input.capabilities.apiVersions) args.push('--api-versions', v);
  for (const f of [...input.valuesFiles, ...valuesPaths]) args.push('--values', f);
  return args;
}

async function helmTemplate(input: ChartRenderInput, helm: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-helm-'));
  try {
    const valuesPaths: string[] = [];
    for (const [i, doc] of input.values.entries()) {
      const file = join(dir, `values-${i}.yaml`);
      await writeFile(file, stringify(doc), { mode: 0o600 });
      valuesPaths.push(file);
    }
    const { stdout } = await run(helm, templateArgs(input, valuesPaths), {
      maxBuffer: 64 << 20,
      timeout: TIMEOUT_MS,
      // No repository, registry or plugin configuration of whoever runs the controller.
      env: {
        PATH: process.env.PATH ?? '',
        HELM_CACHE_HOME: join(dir, 'cache'),
        HELM_CONFIG_HOME: join(dir, 'config'),
        HELM_DATA_HOME: join(dir, 'data'),
      },
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string; killed?: boolean };
    if (e.code === 'ENOENT')
      throw new HelmRenderError(input.chartLabel, `helm is not installed (looked for ${helm})`, {
        cause: err,
      });
    if (e.killed)
      throw new HelmRenderError(input.chartLabel, `helm template ran longer than ${TIMEOUT_MS / 1000}s`, {
        cause: err,
      });
    throw new HelmRenderError(input.chartLabel, helmMessage(e.stderr ?? e.message, input.chartDir), {
      cause: err,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Helm's own explanation, without the temporary and checkout paths: `Error: ...` lines,
 * which name the template file and line (`web/templates/deployment.yaml:12:4`).
 */
export function helmMessage(stderr: string, chartDir: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('WARNING:') && !l.startsWith('Use --debug'))
    .map((l) => l.replace(/^Error: /, '').replaceAll(`${chartDir}/`, ''));
  return (lines.join(' ') || 'helm template failed').slice(0, 2000);
}
