// Which repository paths an Application's render read, and whether a commit touched any.
// A new revision of a repository many Applications share changes a few of them; the rest
// move to it without rendering (Argo CD's manifest-generate-paths, found automatically).

import { posix, relative, sep } from 'node:path';

/**
 * Repository paths, relative to its root with `/` separators: a directory stands for
 * everything below it, `''` for the whole repository, and an entry holding `*`, `?` or `[`
 * is a glob over whole paths (as Go's filepath.Match, which Argo CD uses). `undefined`
 * where a type is `InputPaths | undefined`: not known, so every commit counts.
 */
export type InputPaths = readonly string[];

/** `a/./b/`, `/a/b` and `./a/b` are all `a/b`; `.` and `/` are the root, `''`. */
export function normalisePath(path: string): string {
  const clean = posix.normalize(path.replaceAll('\\', '/')).replace(/^\/+/, '').replace(/\/+$/, '');
  return clean === '.' ? '' : clean;
}

// A push asks this of every Application on the repository, twice (to order the queue, then
// in the reconcile), with one list of changed files and each Application's remembered inputs:
// both are normalised once per list, not once per question. Lists are never changed in place.
const matchersOf = new WeakMap<InputPaths, ((file: string) => boolean)[]>();
const normalisedOf = new WeakMap<readonly string[], string[]>();

/** True when a commit changing `changed` (git diff --name-only) may change what `inputs` render. */
export function touches(inputs: InputPaths | undefined, changed: readonly string[]): boolean {
  if (inputs === undefined) return changed.length > 0;
  const matchers = memo(matchersOf, inputs, () => inputs.map(matcher));
  return memo(normalisedOf, changed, () => changed.map(normalisePath)).some((f) =>
    matchers.some((m) => m(f)),
  );
}

function memo<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

function matcher(input: string): (file: string) => boolean {
  const p = normalisePath(input);
  if (/[*?[]/.test(p)) {
    const re = globRegExp(p);
    return (file) => re.test(file);
  }
  if (p === '') return () => true;
  return (file) => file === p || file.startsWith(`${p}/`);
}

/** Go's filepath.Match: `*` and `?` never match `/`; `[...]` and `[^...]` are classes. */
function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      const body = glob.slice(i + 1, end).replaceAll('\\', '\\\\');
      out += `[${body}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Collects what a render reads, as real paths inside the checkout; anything it cannot place
 * there (a remote kustomize base, a chart dependency from a chart repository) makes the
 * whole set unknown.
 */
export class InputRecorder {
  private readonly realRoot: string;
  private readonly paths = new Set<string>();
  private unresolved = false;

  constructor(realRoot: string) {
    this.realRoot = realRoot;
  }

  /** An absolute real path the render read (a directory, for everything below it). */
  add(absolute: string): void {
    this.paths.add(normalisePath(relative(this.realRoot, absolute).split(sep).join('/')));
  }

  unknown(): void {
    this.unresolved = true;
  }

  /** The smallest list that says the same: nothing below a directory already listed. */
  result(): InputPaths | undefined {
    if (this.unresolved) return undefined;
    const sorted = [...this.paths].sort();
    const out: string[] = [];
    for (const p of sorted) {
      if (out.some((d) => d === '' || p === d || p.startsWith(`${d}/`))) continue;
      out.push(p);
    }
    return out;
  }
}
