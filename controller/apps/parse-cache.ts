import { createHash } from 'node:crypto';

/**
 * Remembers what files parsed to, by content. Applications that share a repository
 * render every file again on each new revision, while most files did not change; parsing
 * YAML is the larger part of that (about a millisecond per small file). Callers get their
 * own copy, so a cached result is never changed. Bounded by the size of the texts cached.
 */
export class ParseCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
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
      return structuredClone(hit.value);
    }
    const value = parse(text);
    const bytes = text.length;
    if (bytes <= this.maxBytes / 16) {
      this.entries.set(key, { value: structuredClone(value), bytes });
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
