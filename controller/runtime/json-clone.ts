/**
 * A deep copy of JSON data: plain objects, arrays and primitives, as read from the API
 * server. Several times faster than `structuredClone`, which serialises through a buffer:
 * every reconcile copies its object's status, a thousand of them per push to a shared
 * repository. Members that are `undefined` are kept, as `structuredClone` keeps them.
 * Anything that is not a plain object or array (a Date) is shared, not copied: status holds none.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  return out as T;
}
