import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { isPlainObject } from '../runtime/merge-patch.ts';
import type { InputRecorder } from './inputs/input-paths.ts';
import { ParseCache } from './parse-cache.ts';
import { isWithin, resolveWithin } from './safe-path.ts';

const run = promisify(execFile);

export const MAX_FILE_BYTES = 4 << 20;
const MAX_OBJECTS = 10_000;
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/**
 * Parsed files of recent revisions, by content. 8 MiB of YAML holds a fleet of a thousand
 * small apps (about 2 MiB) several times over; kept as JSON, it takes about as much in heap.
 */
const parsed = new ParseCache<RenderedObject[]>(8 << 20);

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

export interface RenderedObject {
  /** The object as written in git. */
  object: Record<string, unknown>;
  /** Where it came from, for messages: `deploy/app.yaml#2` (document index). */
  source: string;
}

/**
 * Renders `path` of a checked-out revision: a kustomize overlay when a kustomization file
 * is there, otherwise every YAML/JSON file below it, recursively, multi-document. Nothing
 * outside the repository is read: not through `..`, not through symlinks.
 */
export async function render(
  root: string,
  path: string,
  /** inputs: told every repository path the render reads (inputs/input-paths.ts). */
  opts: { kustomize?: string; inputs?: InputRecorder } = {},
): Promise<RenderedObject[]> {
  const dir = await resolveWithin(root, path || '.');
  if (!(await stat(dir)).isDirectory())
    throw new RenderError(`path ${JSON.stringify(path)} is not a directory`);
  const realRoot = await realpath(root);
  opts.inputs?.add(dir);
  if (KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)))) {
    await checkKustomizeRoots(realRoot, dir, new Set(), opts.inputs);
    return renderKustomize(dir, relative(realRoot, dir) || '.', opts.kustomize ?? 'kustomize');
  }
  const files = await yamlFiles(realRoot, dir, opts.inputs);
  const out: RenderedObject[] = [];
  for (const file of files) {
    const rel = relative(realRoot, file);
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES)
      throw new RenderError(`${rel}: file is ${info.size} bytes, over the ${MAX_FILE_BYTES} limit`);
    out.push(...parsed.parse(rel, await readFile(file, 'utf8'), (text) => parseManifests(text, rel)));
    if (out.length > MAX_OBJECTS) throw new RenderError(`more than ${MAX_OBJECTS} objects under ${path}`);
  }
  return out;
}

async function yamlFiles(realRoot: string, dir: string, inputs?: InputRecorder): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string, ancestors: Set<string>): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await realpath(full).catch(() => undefined);
        if (!target || !isWithin(realRoot, target)) {
          throw new RenderError(`${relative(realRoot, full)}: symlink points outside the repository`);
        }
        // What a link points at is read too, wherever in the repository it is.
        inputs?.add(target);
        const s = await lstat(target);
        isDir = s.isDirectory();
        isFile = s.isFile();
        if (isDir && ancestors.has(target)) {
          throw new RenderError(`${relative(realRoot, full)}: symlink makes a loop`);
        }
      }
      if (isDir) await walk(full, new Set(ancestors).add(await realpath(full)));
      else if (isFile && /\.(ya?ml|json)$/i.test(e.name)) found.push(full);
    }
  };
  await walk(dir, new Set([dir]));
  return found;
}

/** Parses a multi-document YAML (or JSON) text; errors name the file and line. */
export function parseManifests(text: string, file: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      throw new RenderError(`${file}${line ? `:${line}` : ''}: ${err.message.split('\n')[0]}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Unresolved aliases and alias bombs surface only here.
      throw new RenderError(`${file}#${i + 1}: ${(e as Error).message}`, { cause: e });
    }
    if (value === null || value === undefined) return;
    const obj = mapping(value, `${file}#${i + 1}`);
    // A v1 List is a common way to ship several objects in one document.
    if (obj.kind === 'List' && Array.isArray(obj.items)) {
      for (const [j, item] of (obj.items as unknown[]).entries()) {
        const source = `${file}#${i + 1}.items[${j}]`;
        out.push({ object: mapping(item, source), source });
      }
      return;
    }
    out.push({ object: obj, source: list.length > 1 ? `${file}#${i + 1}` : file });
  });
  return out;
}

function mapping(value: unknown, source: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
  throw new RenderError(`${source}: a manifest must be a mapping, not ${what}`);
}

/** Fields of a kustomization whose local entries may be directories, each loaded as a new root. */
const KUSTOMIZE_ROOT_FIELDS = [
  'resources',
  'bases',
  'components',
  'generators',
  'transformers',
  'validators',
];

/**
 * kustomize refuses files outside a kustomization's directory but loads bases and
 * components from any directory; refuse those that leave the repository before running it.
 * Entries that do not exist locally (remote bases, mistakes) are left to kustomize, and make
 * what the render reads unknown; so does a helmCharts field (charts kustomize pulls).
 */
async function checkKustomizeRoots(
  realRoot: string,
  dir: string,
  seen: Set<string>,
  inputs: InputRecorder | undefined,
): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  inputs?.add(dir);
  const file = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) return;
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch {
    return; // kustomize reports a broken kustomization itself
  }
  if (!isPlainObject(doc)) return;
  if (doc.helmCharts !== undefined || doc.helmChartInflationGenerator !== undefined) inputs?.unknown();
  for (const field of KUSTOMIZE_ROOT_FIELDS) {
    const entries = doc[field];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (typeof entry !== 'string') continue;
      // An inline generator or transformer (YAML text) is not a path.
      if (entry.includes('\n')) continue;
      const target = await realpath(resolve(dir, entry)).catch(() => undefined);
      if (!target) {
        inputs?.unknown();
        continue;
      }
      if (!isWithin(realRoot, target)) {
        throw new RenderError(
          `${relative(realRoot, file)}: ${field} entry ${JSON.stringify(entry)} leaves the repository`,
        );
      }
      if ((await stat(target)).isDirectory()) await checkKustomizeRoots(realRoot, target, seen, inputs);
      else inputs?.add(target);
    }
  }
}

async function renderKustomize(dir: string, rel: string, binary: string): Promise<RenderedObject[]> {
  try {
    const { stdout } = await run(binary, ['build', dir], { maxBuffer: 64 << 20, timeout: 60_000 });
    return parseManifests(stdout, `kustomize build ${rel}`);
  } catch (err) {
    if (err instanceof RenderError) throw err;
    const e = err as Error & { stderr?: string; code?: string };
    if (e.code === 'ENOENT')
      throw new RenderError(`kustomize is not installed (looked for ${binary})`, { cause: err });
    throw new RenderError(
      `kustomize build ${rel}: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join('; ')}`,
      {
        cause: err,
      },
    );
  }
}
