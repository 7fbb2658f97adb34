// `lint FILE...`: offline checks of sluice.dev manifests, one `file:line:col: message` per
// problem. Directories are searched for YAML and JSON files; `-` reads stdin.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from '../cli-errors.ts';
import { formatData, type Io } from '../io.ts';
import type { Options } from '../options.ts';
import { loadKindSchemas } from './crd-schemas.ts';
import { type Diagnostic, formatDiagnostic, lintText } from './lint-text.ts';

const MANIFEST = /\.(ya?ml|json)$/i;

async function expand(path: string): Promise<string[]> {
  if (path === '-') return [path];
  const info = await stat(path).catch((err: unknown) => {
    throw new CliError(
      `${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
      EXIT_ERROR,
      { cause: err },
    );
  });
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await expand(full)));
    else if (MANIFEST.test(entry.name)) out.push(full);
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
    for (const file of await expand(path)) {
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
