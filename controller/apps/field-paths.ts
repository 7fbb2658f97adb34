// Server-side apply names the fields of a conflict in its field-path notation:
// `.spec.replicas`, `.metadata.labels.app`, `.spec.template.spec.containers[name="web"].image`,
// `.spec.ports[port=80,protocol="TCP"].targetPort`, `.metadata.finalizers[="x"]`. This removes
// such fields from a manifest, so it can be applied without them.

import { isPlainObject } from '../runtime/merge-patch.ts';

type Step = { field: string } | { keys: Record<string, unknown> } | { value: unknown };

const SELECTOR_ITEM = /([A-Za-z0-9_-]+)=("(?:[^"\\]|\\.)*"|[^,\]]+)/g;

/** The steps of `path` through `root`; keys of maps may hold dots, so the object decides. */
function walk(root: unknown, path: string): { parent: unknown; step: Step } | undefined {
  let node = root;
  let rest = path;
  let last: { parent: unknown; step: Step } | undefined;
  while (rest !== '') {
    let step: Step;
    if (rest.startsWith('.')) {
      if (!isPlainObject(node)) return undefined;
      const body = rest.slice(1);
      const key = Object.keys(node)
        .filter((k) => body.startsWith(k) && ['', '.', '['].includes(body.charAt(k.length)))
        .sort((a, b) => b.length - a.length)[0];
      if (key === undefined) return undefined;
      step = { field: key };
      rest = body.slice(key.length);
    } else if (rest.startsWith('[')) {
      const end = selectorEnd(rest);
      if (end < 0) return undefined;
      const inner = rest.slice(1, end);
      rest = rest.slice(end + 1);
      if (inner.startsWith('=')) step = { value: JSON.parse(inner.slice(1)) };
      else {
        const keys: Record<string, unknown> = {};
        for (const m of inner.matchAll(SELECTOR_ITEM)) keys[m[1] as string] = JSON.parse(m[2] as string);
        step = { keys };
      }
    } else return undefined;
    last = { parent: node, step };
    node = child(node, step);
    if (node === undefined) return undefined;
  }
  return last;
}

function selectorEnd(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ']' && !quoted) return i;
  }
  return -1;
}

function matches(item: unknown, step: Step): boolean {
  if ('value' in step) return JSON.stringify(item) === JSON.stringify(step.value);
  if (!('keys' in step) || !isPlainObject(item)) return false;
  return Object.entries(step.keys).every(([k, v]) => item[k] === v);
}

function child(node: unknown, step: Step): unknown {
  if ('field' in step) return isPlainObject(node) ? node[step.field] : undefined;
  return Array.isArray(node) ? node.find((item) => matches(item, step)) : undefined;
}

/**
 * A copy of `object` without the fields at `paths`; undefined when a path is not found in
 * it (then it cannot be sent without taking that field).
 */
export function removePaths<T>(object: T, paths: readonly string[]): T | undefined {
  const copy = structuredClone(object);
  for (const path of paths) {
    const found = walk(copy, path);
    if (!found) return undefined;
    const { parent, step } = found;
    if ('field' in step) delete (parent as Record<string, unknown>)[step.field];
    else {
      const list = parent as unknown[];
      list.splice(
        list.findIndex((item) => matches(item, step)),
        1,
      );
    }
  }
  return copy;
}
