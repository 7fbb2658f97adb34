// Objects as they are compared: without the fields the API server sets on every write, so a
// diff shows what the sync changes and nothing else.

import { stringify } from 'yaml';
import { SOURCE_REVISION_ANNOTATION } from '../../controller/apps/revision-stamp.ts';

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp'];

export function comparable(obj: unknown): Record<string, unknown> {
  const copy = structuredClone(obj ?? {}) as Record<string, unknown>;
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  if (meta) for (const key of SERVER_METADATA) delete meta[key];
  // Which revision last changed an object is the sync's record, not a change of its own: a
  // sync stamps it only on objects whose content changes, and those show their real change.
  const annotations = meta?.annotations as Record<string, string> | undefined;
  if (meta && annotations && SOURCE_REVISION_ANNOTATION in annotations) {
    const { [SOURCE_REVISION_ANNOTATION]: _, ...rest } = annotations;
    if (Object.keys(rest).length > 0) meta.annotations = rest;
    else delete meta.annotations;
  }
  return copy;
}

/** YAML with keys sorted, so the same object always prints the same way. */
export function toYaml(obj: unknown): string {
  return stringify(obj, { sortMapEntries: true, lineWidth: 0 });
}

/**
 * Secret values never reach the terminal: each is shown as `***`, marked `(before)` and
 * `(after)` where it changes, as kubectl diff does.
 */
export function maskSecrets(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): void {
  if (before?.kind !== 'Secret' && after?.kind !== 'Secret') return;
  for (const field of ['data', 'stringData']) {
    const a = (before?.[field] ?? {}) as Record<string, unknown>;
    const b = (after?.[field] ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const same = a[key] === b[key];
      if (key in a) a[key] = same ? '***' : '*** (before)';
      if (key in b) b[key] = same ? '***' : '*** (after)';
    }
  }
}
