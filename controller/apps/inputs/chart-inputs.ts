import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HelmSpec } from '../../api/application.ts';
import { missingDependencies, readChartMeta } from '../helm/chart-dependencies.ts';
import { resolveWithin } from '../safe-path.ts';
import type { InputRecorder } from './input-paths.ts';

/**
 * What rendering the chart at `dir` reads from the repository: the chart directory (its
 * vendored dependencies with it) and the values files spec.helm names. A dependency built
 * from a chart repository comes from outside, so the set is unknown. Errors are left to
 * the render, which reports them.
 */
export async function recordChartInputs(
  realRoot: string,
  dir: string,
  path: string,
  helm: HelmSpec | undefined,
  inputs: InputRecorder,
): Promise<void> {
  inputs.add(dir);
  for (const f of helm?.valuesFiles ?? []) {
    const file = await resolveWithin(realRoot, join(path, f)).catch(() => undefined);
    if (file) inputs.add(file);
    else inputs.unknown();
  }
  const meta = await readChartMeta(dir, path).catch(() => undefined);
  if (!meta) return inputs.unknown();
  const charts = join(dir, 'charts');
  const vendored = existsSync(charts) ? await readdir(charts) : [];
  if (missingDependencies(meta.dependencies, vendored).length > 0) inputs.unknown();
}
