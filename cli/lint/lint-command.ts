// `lint FILE...`: offline checks of sluice.dev manifests, one `file:line:col: message` per
// problem. Directories are searched for YAML and JSON files, a chart directory (Chart.yaml)
// is rendered with helm template first; `-` reads stdin.

import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from '../cli-errors.ts';
import { formatData, type Io } from '../io.ts';
import type { Options } from '../options.ts';
import { loadKindSchemas } from './crd-schemas.ts';
import { lintChart } from './lint-chart.ts';
import { type Diagnostic, formatDiagnostic, lintText } from './lint-text.ts';

const MANIFEST = /\.(ya?ml|json)$/i;

/** A file to lint, or a chart directory (a Chart.yaml there) to render and lint. */
type Input = { file: string } | { chart: string };

async function expand(path: string): Promise<Input[]> {
  if (path === '-') return [{ file: path }];
  const info = await stat(path).catch((err: unknown) => {
    throw new CliError(
      `${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
      EXIT_ERROR,
      { cause: err },
    );
  });
  if (!info.isDirectory()) return [{ file: path }];
  if (existsSync(join(path, 'Chart.yaml'))) return [{ chart: path }];
  const out: Input[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(full)));
    else if (MANIFEST.test(entry.name)) out.push({ file: full });
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function lint(paths: string[], options: Options, io: Io): Promise<number> {
  if (paths.length === 0) throw new UsageError('lint needs at least one file (or - for stdin)');
  const schemas = loadKindSchemas();
  const diagnostics: Diagnostic[] = [];
  let files = 0;
  let checked = 0;
  for (const path of paths) {
    for (const input of await expand(path)) {
      if ('chart' in input) {
        const result = await lintChart(input.chart, options.helm, schemas);
        diagnostics.push(...result.diagnostics);
        checked += result.checked;
        files += result.files;
        continue;
      }
      const { file } = input;
      const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      const result = lintText(text, file === '-' ? '<stdin>' : file, schemas);
      diagnostics.push(...result.diagnostics);
      checked += result.checked;
      files++;
    }
  }
  if (options.output) io.stdout.write(formatData(diagnostics, options.output));
  else for (const d of diagnostics) io.stdout.write(`${formatDiagnostic(d)}\n`);
  const problems = diagnostics.length;
  io.stderr.write(
    `${checked} object${checked === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}: ${problems === 0 ? 'no problems' : `${problems} problem${problems === 1 ? '' : 's'}`}\n`,
  );
  return problems > 0 ? EXIT_ERROR : EXIT_OK;
}
