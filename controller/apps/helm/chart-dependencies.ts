// A chart's dependencies (Chart.yaml `dependencies`) must be vendored under charts/ for
// `helm template` to use them; sources/helm-repository builds those that are not from
// HelmRepositories before the chart gets here.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isPlainObject } from '../../runtime/merge-patch.ts';
import { HelmRenderError } from './helm-errors.ts';

interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
}

export interface ChartMeta {
  name: string;
  version: string;
  dependencies: ChartDependency[];
}

/** Chart.yaml of a chart directory; errors name the chart. */
export async function readChartMeta(chartDir: string, chart: string): Promise<ChartMeta> {
  let doc: unknown;
  try {
    doc = parse(await readFile(join(chartDir, 'Chart.yaml'), 'utf8'));
  } catch (err) {
    throw new HelmRenderError(chart, `Chart.yaml: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (!isPlainObject(doc)) throw new HelmRenderError(chart, 'Chart.yaml must be a mapping');
  const deps = Array.isArray(doc.dependencies) ? doc.dependencies : [];
  return {
    name: typeof doc.name === 'string' ? doc.name : '',
    version: typeof doc.version === 'string' ? doc.version : String(doc.version ?? ''),
    dependencies: deps.filter(isPlainObject).map((d) => ({
      name: String(d.name ?? ''),
      ...(d.version !== undefined ? { version: String(d.version) } : {}),
      ...(typeof d.repository === 'string' ? { repository: d.repository } : {}),
    })),
  };
}

/**
 * The dependencies with nothing for them under charts/: no unpacked chart of that name and
 * no `<name>-<version>.tgz` (any version when Chart.yaml gives a range).
 */
export function missingDependencies(
  deps: readonly ChartDependency[],
  vendored: readonly string[],
): ChartDependency[] {
  return deps.filter((d) => {
    const exact = d.version && /^v?\d+\.\d+\.\d+([-+].*)?$/.test(d.version);
    return !vendored.some(
      (entry) =>
        entry === d.name ||
        (exact
          ? entry === `${d.name}-${d.version}.tgz`
          : entry.startsWith(`${d.name}-`) && entry.endsWith('.tgz')),
    );
  });
}

/** Stalls, naming each, when dependencies are not vendored. */
export async function checkDependencies(chartDir: string, chart: string, meta: ChartMeta): Promise<void> {
  if (meta.dependencies.length === 0) return;
  const charts = join(chartDir, 'charts');
  const vendored = existsSync(charts) ? await readdir(charts) : [];
  const missing = missingDependencies(meta.dependencies, vendored);
  if (missing.length === 0) return;
  const names = missing.map(
    (d) => `"${d.name}"${d.version ? ` ${d.version}` : ''}${d.repository ? ` from ${d.repository}` : ''}`,
  );
  throw new HelmRenderError(
    chart,
    `dependenc${missing.length === 1 ? 'y' : 'ies'} ${names.join(', ')} not vendored under charts/ (commit the output of \`helm dependency build\`)`,
  );
}
