import { createHash } from 'node:crypto';

/**
 * Remembers what files parsed to, by content. Applications that share a repository
 * render every file again on each new revision, while most files did not change; parsing
 * YAML is the larger part of that (about a millisecond per small file). Callers get their
 * own copy, so a cached result is never changed. Bounded by the size of the texts cached.
 * A result that is plain JSON data (what manifests parse to) is kept as JSON text: about
 * the size of the YAML, where the objects took several times that in heap, and a copy is
 * as quick to make from it as from the objects.
 */
export class ParseCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** `parse(text)` for `file`, from the cache when this file had this text before. */
  parse(file: string, text: string, parse: (text: string) => T): T {
    const key = createHash('sha256').update(file).update('\0').update(text).digest('base64');
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last, so eviction takes the oldest first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return 'json' in hit ? (JSON.parse(hit.json) as T) : structuredClone(hit.value);
    }
    const value = parse(text);
    const bytes = text.length;
    if (bytes <= this.maxBytes / 16) {
      this.entries.set(
        key,
        isJsonData(value) ? { json: JSON.stringify(value), bytes } : { value: structuredClone(value), bytes },
      );
      this.bytes += bytes;
      for (const [k, e] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= e.bytes;
      }
    }
    return value;
  }
}

type Entry<T> = { json: string; bytes: number } | { value: T; bytes: number };

/** Whether JSON gives this value back as it is: no undefined, non-finite numbers, -0, class instances. */
export function isJsonData(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isJsonData(v[i])) return false;
    return true;
  }
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const [k, x] of Object.entries(v)) if (k === '__proto__' || !isJsonData(x)) return false;
  return true;
}
