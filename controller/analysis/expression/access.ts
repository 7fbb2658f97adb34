// Indexing and slicing with expr's rules: negative indices count from the end, an index out of
// range is an error (code `missing`, which `default()` absorbs), a missing map key is nil, and
// slice bounds are clamped to the array.

import type { CallContext } from './context.ts';
import { describe, isArray, isPlainObject, kindOf, readField, readIndex } from './values.ts';

/** `object[key]` and `object.key`. */
export function fetch(object: unknown, key: unknown, ctx: CallContext): unknown {
  const what = typeof key === 'string' ? key : describe(key);
  if (isArray(object) || typeof object === 'string') {
    if (typeof key !== 'number' || !Number.isFinite(key)) {
      return ctx.fail('type', `cannot fetch ${what} from ${kindOf(object)}`);
    }
    const length = object.length;
    const requested = Math.trunc(key);
    const index = requested < 0 ? requested + length : requested;
    if (index < 0 || index >= length) {
      return ctx.fail('missing', `index out of range: ${requested} (array length is ${length})`);
    }
    return typeof object === 'string' ? object[index] : readIndex(object, index);
  }
  if (isPlainObject(object)) {
    if (typeof key !== 'string') return ctx.fail('type', `cannot fetch ${what} from map`);
    const field = readField(object, key);
    if (field.found) return field.value;
    if (field.forbidden) return ctx.fail('forbidden', `field ${key} is not accessible`);
    return null;
  }
  if (object === null) return ctx.fail('missing', `cannot fetch ${what} from nil`);
  return ctx.fail('type', `cannot fetch ${what} from ${kindOf(object)}`);
}

/** `object[from:to]`; an omitted bound is `undefined`. */
export function sliceOf(object: unknown, from: unknown, to: unknown, ctx: CallContext): unknown {
  if (!isArray(object) && typeof object !== 'string')
    return ctx.fail('type', `cannot slice ${kindOf(object)}`);
  const length = object.length;
  const bound = (value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return ctx.fail('type', `slice index must be a number, got ${kindOf(value)}`);
    }
    const index = Math.trunc(value);
    return Math.min(length, Math.max(0, index < 0 ? length + index : index));
  };
  const start = bound(from, 0);
  const end = Math.max(start, bound(to, length));
  ctx.charge(end - start);
  return object.slice(start, end);
}
