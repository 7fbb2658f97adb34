import { isPlainObject } from '../runtime/merge-patch.ts';

/**
 * The part of `source` at the paths `shape` has: what we manage of an object. Arrays are
 * taken whole, since a list we wrote is a list we own.
 */
export function project(source: unknown, shape: unknown): unknown {
  if (isPlainObject(shape)) {
    if (!isPlainObject(source)) return undefined;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      const sub = shape[key];
      if (key in source) out[key] = project(source[key], sub);
      // An empty map we manage (annotations when the manifest has none) matches an absent
      // one: else a controller adding the first annotation (a Deployment's revision) looks
      // like drift and is re-applied.
      else if (isPlainObject(sub) && Object.keys(sub).length === 0) out[key] = {};
    }
    return out;
  }
  return source;
}

/** The fields a manifest sets; server-owned metadata never counts as drift. */
export function managedShape(desired: Record<string, unknown>): Record<string, unknown> {
  const { metadata, status: _status, ...rest } = desired;
  const m = isPlainObject(metadata) ? metadata : {};
  return { ...rest, metadata: { labels: m.labels ?? {}, annotations: m.annotations ?? {} } };
}
