// Argo CD's spec.ignoreDifferences: fields of an object that Sluice neither reports as drift
// nor takes over. With server-side apply, not taking a field over means leaving it out of what
// we apply, so the manager that set it (an autoscaler, `kubectl scale`) keeps owning it.

import fastJsonPatch from 'fast-json-patch';
import type { IgnoreDifference } from '../api/application.ts';
import { type KubeObject, splitApiVersion } from '../kube/resources.ts';
import { isPlainObject } from '../runtime/merge-patch.ts';
import { fieldOwners, overlaps } from './managed-fields.ts';

export class IgnoreDifferencesError extends Error {
  override readonly name = 'IgnoreDifferencesError';
}

/** Refuses rules that cannot be honoured, naming the field (the CRD refuses them too). */
export function checkIgnoreDifferences(rules: readonly IgnoreDifference[] | undefined): void {
  for (const [i, rule] of (rules ?? []).entries()) {
    const at = `spec.ignoreDifferences[${i}]`;
    if (typeof rule.kind !== 'string' || !rule.kind)
      throw new IgnoreDifferencesError(`${at}.kind is required`);
    if ('jqPathExpressions' in rule)
      throw new IgnoreDifferencesError(`${at}.jqPathExpressions is not supported; use jsonPointers`);
    for (const [j, pointer] of (rule.jsonPointers ?? []).entries()) {
      const problem = pointerProblem(pointer);
      if (problem)
        throw new IgnoreDifferencesError(`${at}.jsonPointers[${j}]: ${JSON.stringify(pointer)} ${problem}`);
    }
  }
}

function pointerProblem(pointer: string): string | undefined {
  // The empty pointer is valid JSON Pointer but names the whole object: nothing would be applied.
  if (!pointer.startsWith('/'))
    return 'is not a JSON pointer: it must start with "/" (such as /spec/replicas)';
  if (/~[^01]|~$/.test(pointer))
    return 'is not a JSON pointer: "~" must be written ~0, and "/" inside a key ~1';
  return undefined;
}

interface Target {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
}

/** The rules naming an object: same group and kind, and its name and namespace where given. */
export function rulesFor(rules: readonly IgnoreDifference[] | undefined, o: Target): IgnoreDifference[] {
  const group = splitApiVersion(o.apiVersion).group;
  return (rules ?? []).filter(
    (r) =>
      (r.group ?? '') === group &&
      r.kind === o.kind &&
      (!r.name || r.name === o.name) &&
      (!r.namespace || r.namespace === o.namespace),
  );
}

/**
 * The fields ignored in an object, as JSON pointers: those the rules name, and those the
 * named managers own in the live object.
 */
export function ignoredPointers(rules: readonly IgnoreDifference[], live: KubeObject | undefined): string[] {
  const pointers = new Set(rules.flatMap((r) => r.jsonPointers ?? []));
  const managers = new Set(rules.flatMap((r) => r.managedFieldsManagers ?? []));
  if (managers.size > 0 && live) {
    for (const owned of fieldOwners(live)) if (managers.has(owned.manager)) pointers.add(owned.pointer);
  }
  // Last items of a list first, so removing one does not move the next one named.
  return [...pointers].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
}

/** `doc` without the fields at `pointers` (a copy; absent fields are no matter). */
export function without<T>(doc: T, pointers: readonly string[]): T {
  if (pointers.length === 0) return doc;
  const copy = structuredClone(doc);
  for (const pointer of pointers) {
    if (valueAt(copy, pointer) !== undefined)
      fastJsonPatch.applyOperation(copy, { op: 'remove', path: pointer });
  }
  return copy;
}

/**
 * What to apply of an object with ignored fields. A new object is created whole, as Argo CD
 * does. An existing one is sent without the ignored fields, except a field no other manager
 * owns: server-side apply would delete a field its only manager stops sending, so that one
 * is sent as it is live, and whoever changes it next takes it over.
 */
export function leaveIgnored(
  object: KubeObject,
  live: KubeObject | undefined,
  pointers: readonly string[],
  ownManager: string,
): KubeObject {
  if (!live || pointers.length === 0) return object;
  const others = fieldOwners(live).filter((o) => o.manager !== ownManager);
  const sent = structuredClone(object);
  for (const pointer of pointers) {
    if (valueAt(sent, pointer) === undefined) continue;
    const current = valueAt(live, pointer);
    const shared = others.some((o) => overlaps(o.pointer, pointer));
    if (current === undefined || shared) fastJsonPatch.applyOperation(sent, { op: 'remove', path: pointer });
    else
      fastJsonPatch.applyOperation(sent, { op: 'replace', path: pointer, value: structuredClone(current) });
  }
  return sent;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let at = doc;
  for (const token of pointer.split('/').slice(1)) {
    const key = fastJsonPatch.unescapePathComponent(token);
    if (Array.isArray(at)) at = /^\d+$/.test(key) ? at[Number(key)] : undefined;
    else if (isPlainObject(at)) at = Object.hasOwn(at, key) ? at[key] : undefined;
    else return undefined;
  }
  return at;
}
