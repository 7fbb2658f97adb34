import fastJsonPatch from 'fast-json-patch';
import { deepEqual, isPlainObject } from '../runtime/merge-patch.ts';

/** One entry of `metadata.managedFields`, as the API server writes it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
}

/**
 * Which managers own each field of a live object, as JSON pointers: `metadata.managedFields`
 * names fields in the API server's FieldsV1 form (`f:` field, `k:` list item by key, `v:` set
 * item by value, `i:` index), resolved here against the object itself to positions in it.
 */
export function fieldOwners(live: unknown): { manager: string; pointer: string }[] {
  const meta = isPlainObject(live) ? live.metadata : undefined;
  const entries = isPlainObject(meta) && Array.isArray(meta.managedFields) ? meta.managedFields : [];
  const out: { manager: string; pointer: string }[] = [];
  for (const e of entries as ManagedFieldsEntry[]) {
    if (!e.manager || e.fieldsType !== 'FieldsV1' || !isPlainObject(e.fieldsV1)) continue;
    const pointers: string[] = [];
    walk(e.fieldsV1, live, '', pointers);
    for (const pointer of pointers) out.push({ manager: e.manager, pointer });
  }
  return out;
}

/** Leaves of a FieldsV1 tree: a field owned whole (its `.` alone says the parent exists). */
function walk(fields: Record<string, unknown>, value: unknown, path: string, out: string[]): void {
  const keys = Object.keys(fields).filter((k) => k !== '.');
  if (keys.length === 0) {
    if (path) out.push(path);
    return;
  }
  for (const key of keys) {
    const sub = fields[key];
    const at = step(key, value);
    if (at === undefined || !isPlainObject(sub)) continue;
    walk(sub, at.value, `${path}/${fastJsonPatch.escapePathComponent(at.token)}`, out);
  }
}

function step(key: string, value: unknown): { token: string; value: unknown } | undefined {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  if (kind === 'f:') return { token: rest, value: isPlainObject(value) ? value[rest] : undefined };
  if (!Array.isArray(value)) return undefined;
  let index = -1;
  if (kind === 'i:') index = Number(rest);
  else if (kind === 'v:') index = value.findIndex((item) => deepEqual(item, parse(rest)));
  else if (kind === 'k:') {
    const keyFields = parse(rest);
    if (!isPlainObject(keyFields)) return undefined;
    index = value.findIndex(
      (item) => isPlainObject(item) && Object.entries(keyFields).every(([k, v]) => deepEqual(item[k], v)),
    );
  }
  if (!Number.isInteger(index) || index < 0 || index >= value.length) return undefined;
  return { token: String(index), value: value[index] };
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** True when one pointer is the other or contains it: owning either touches both. */
export function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
