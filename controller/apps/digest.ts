import { createHash } from 'node:crypto';
import type { InventoryEntry } from '../api/application.ts';
import type { DesiredObject } from './manifest.ts';

/**
 * A digest of what an Application would apply. A new revision of a repository shared by
 * many Applications usually changes a few of them; the others render the same objects,
 * and their digest says so without a dry-run or apply per object.
 */
export function desiredDigest(objects: readonly DesiredObject[]): string {
  const hash = createHash('sha256');
  for (const o of objects) {
    hash.update(o.id);
    hash.update('\0');
    hash.update(String(o.wave));
    hash.update('\0');
    hash.update(JSON.stringify(o.object));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** True when pruning `previous` while keeping `desired` would delete nothing. */
export function nothingToPrune(
  previous: readonly InventoryEntry[],
  desired: readonly DesiredObject[],
): boolean {
  const keep = new Set(desired.map((o) => o.id));
  return previous.every((e) => keep.has(e.id));
}
