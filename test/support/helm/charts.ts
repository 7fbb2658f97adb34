// Charts for tests, built the way chart authors build them: a directory written here,
// `helm package`d into a .tgz; `helm repo index` and `helm push` publish it.

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

export interface TestChart {
  name: string;
  version: string;
  /** templates/<file> → content. */
  templates: Record<string, string>;
  values?: Record<string, unknown>;
  dependencies?: { name: string; version: string; repository: string }[];
}

/** A ConfigMap template whose data comes from values and the chart's version. */
export const configMapTemplate = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  chartVersion: {{ .Chart.Version | quote }}\n  greeting: {{ .Values.greeting | default "hello" | quote }}\n`;

/** Runs helm with a Helm home of its own under `home`, so tests share nothing with the machine's. */
export async function helm(binary: string, home: string, args: string[], stdin?: string): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const child = run(binary, args, { env, maxBuffer: 16 << 20 });
  if (stdin !== undefined) child.child.stdin?.end(stdin);
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`helm ${args.join(' ')}: ${e.stderr ?? e.message}`, { cause: err });
  }
}

/** Writes `chart` under `root/<name>-<version>/<name>` and packages it into `dest`; returns the .tgz path. */
export async function packageChart(
  binary: string,
  root: string,
  chart: TestChart,
  dest: string,
): Promise<string> {
  const dir = join(root, `${chart.name}-${chart.version}`, chart.name);
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(
    join(dir, 'Chart.yaml'),
    stringify({
      apiVersion: 'v2',
      name: chart.name,
      version: chart.version,
      ...(chart.dependencies ? { dependencies: chart.dependencies } : {}),
    }),
  );
  await writeFile(join(dir, 'values.yaml'), stringify(chart.values ?? {}));
  for (const [file, text] of Object.entries(chart.templates))
    await writeFile(join(dir, 'templates', file), text);
  await mkdir(dest, { recursive: true });
  const tgz = join(dest, `${chart.name}-${chart.version}.tgz`);
  if (chart.dependencies?.length) {
    // helm package insists on vendoring them; a package whose dependencies are left for the
    // consumer to build is what `tar` makes of the same directory.
    await run('tar', ['-czf', tgz, '-C', join(dir, '..'), chart.name]);
  } else {
    await helm(binary, join(root, '.helm-home'), ['package', dir, '--destination', dest]);
  }
  return tgz;
}
