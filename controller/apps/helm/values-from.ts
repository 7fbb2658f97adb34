// Flux's valuesFrom: values documents (or single values) read from ConfigMaps and Secrets in
// the Application's namespace, merged in order after the values files of the source.

import { parse } from 'yaml';
import { isPlainObject } from '../../runtime/merge-patch.ts';

export interface ValuesReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Defaults to values.yaml. */
  valuesKey?: string;
  /** Where the single value goes (`a.b.c`); without it the key holds a values document. */
  targetPath?: string;
  /** A missing object or key is skipped instead of stalling. */
  optional?: boolean;
}

/** A valuesFrom entry that cannot be used; the message names it. */
export class ValuesReferenceError extends Error {
  override readonly name = 'ValuesReferenceError';
}

const DEFAULT_KEY = 'values.yaml';
const PATH_SEGMENT = /^[A-Za-z0-9_-]+$/;

function describeReference(ref: ValuesReference): string {
  return `valuesFrom ${ref.kind} ${ref.name} key ${ref.valuesKey ?? DEFAULT_KEY}`;
}

/**
 * The values one reference contributes, from the text found under its key (undefined: the
 * object or key is missing). Undefined back means nothing to merge.
 */
export function referenceValues(
  ref: ValuesReference,
  text: string | undefined,
): Record<string, unknown> | undefined {
  if (text === undefined) {
    if (ref.optional) return undefined;
    throw new ValuesReferenceError(
      `${describeReference(ref)} not found (set optional: true if it may be absent)`,
    );
  }
  if (ref.targetPath !== undefined) return atPath(ref, text);
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ValuesReferenceError(`${describeReference(ref)}: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return undefined;
  if (!isPlainObject(doc))
    throw new ValuesReferenceError(`${describeReference(ref)}: values must be a mapping`);
  return doc;
}

/** `{a: {b: text}}` for targetPath `a.b`: the value is a string, as with Flux. */
function atPath(ref: ValuesReference, text: string): Record<string, unknown> {
  const segments = (ref.targetPath ?? '').split('.');
  if (!segments.every((s) => PATH_SEGMENT.test(s)))
    throw new ValuesReferenceError(
      `${describeReference(ref)}: targetPath ${JSON.stringify(ref.targetPath)} must be dot-separated keys (letters, digits, - and _)`,
    );
  let value: unknown = text;
  for (const s of segments.reverse()) value = { [s]: value };
  return value as Record<string, unknown>;
}

/** The text under a reference's key of a ConfigMap's or Secret's data (Secrets are base64). */
export function keyText(
  ref: ValuesReference,
  obj: { data?: Record<string, string>; binaryData?: Record<string, string> } | undefined,
): string | undefined {
  const key = ref.valuesKey ?? DEFAULT_KEY;
  if (!obj) return undefined;
  if (ref.kind === 'Secret') {
    const v = obj.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  }
  return (
    obj.data?.[key] ??
    (obj.binaryData?.[key] ? Buffer.from(obj.binaryData[key], 'base64').toString('utf8') : undefined)
  );
}
