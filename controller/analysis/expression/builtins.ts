// Builtins that take plain values: expr-lang's number, array and conversion functions, plus the
// helpers Argo Rollouts adds to every condition (`asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`).
// `default` and the predicate builtins (`all`, `map`, ...) need lazy arguments and live in the
// evaluator and `builtins-predicate.ts`; string functions are in `builtins-strings.ts`.

import {
  arr,
  type BuiltinSpec,
  integer,
  map,
  num,
  numbers,
  parseGoFloat,
  parseGoInt,
  spec,
  str,
  wrongType,
} from './builtin-args.ts';
import { STRING_BUILTINS } from './builtins-strings.ts';
import type { CallContext } from './context.ts';
import {
  formatNumber,
  formatValue,
  isArray,
  isPlainObject,
  kindOf,
  mapKeys,
  readField,
  readIndex,
} from './values.ts';

function toInt(value: unknown, ctx: CallContext): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return Math.trunc(value);
    return ctx.fail('type', `${ctx.name}(): cannot convert ${formatNumber(value)} to int`);
  }
  if (typeof value === 'string') {
    const parsed = parseGoInt(value);
    if (parsed !== undefined) return parsed;
    return ctx.fail('type', `${ctx.name}(): cannot parse ${JSON.stringify(value)} as an integer`);
  }
  return wrongType(ctx, value, 'a number or a string');
}

function toFloat(value: unknown, ctx: CallContext): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const parsed = parseGoFloat(value);
    if (parsed !== undefined) return parsed;
    return ctx.fail('type', `${ctx.name}(): cannot parse ${JSON.stringify(value)} as a float`);
  }
  return wrongType(ctx, value, 'a number or a string');
}

/** expr's max/min: the first value, replaced by each later one that `better` prefers. */
function extreme(better: (best: number, value: number) => boolean): BuiltinSpec {
  return spec(1, Number.POSITIVE_INFINITY, (args, ctx) => {
    let best: number | undefined;
    // Same order of checks as expr, so a leading NaN wins and later NaNs never do.
    for (const value of numbers(args, ctx)) if (best === undefined || better(best, value)) best = value;
    return best ?? null;
  });
}

function edge(pick: (list: readonly unknown[]) => number): BuiltinSpec {
  return spec(1, 1, (args, ctx) => {
    if (args[0] === null) return null;
    const list = arr(args, 0, ctx);
    return list.length === 0 ? null : readIndex(list, pick(list));
  });
}

/** expr's `get`: like indexing, but nil instead of an error when the element is not there. */
function get(args: readonly unknown[], ctx: CallContext): unknown {
  const [from, key] = args;
  if (isArray(from) || typeof from === 'string') {
    if (typeof key !== 'number' || !Number.isFinite(key)) return null;
    const index = Math.trunc(key) < 0 ? from.length + Math.trunc(key) : Math.trunc(key);
    if (index < 0 || index >= from.length) return null;
    return typeof from === 'string' ? from[index] : readIndex(from, index);
  }
  if (isPlainObject(from) && typeof key === 'string') {
    const field = readField(from, key);
    if (field.found) return field.value;
    if (field.forbidden) return ctx.fail('forbidden', `field ${JSON.stringify(key)} is not accessible`);
  }
  return null;
}

function sort(args: readonly unknown[], ctx: CallContext): unknown[] {
  const list = [...arr(args, 0, ctx)];
  const order = args.length === 2 ? str(args, 1, ctx) : 'asc';
  if (order !== 'asc' && order !== 'desc')
    return ctx.fail('arguments', 'sort() order must be "asc" or "desc"');
  const allNumbers = list.every((v) => typeof v === 'number');
  if (!allNumbers && !list.every((v) => typeof v === 'string')) {
    return ctx.fail('type', 'sort() expects an array of numbers or an array of strings');
  }
  ctx.charge(list.length * Math.max(1, Math.ceil(Math.log2(list.length + 1))));
  list.sort((a, b) => (allNumbers ? (a as number) - (b as number) : a < b ? -1 : a > b ? 1 : 0));
  return order === 'desc' ? list.reverse() : list;
}

const TYPE_NAMES = {
  nil: 'nil',
  bool: 'bool',
  int: 'int',
  float: 'float',
  string: 'string',
  array: 'array',
  map: 'map',
  unsupported: 'unknown',
} as const;

const CORE_BUILTINS: ReadonlyArray<[string, BuiltinSpec]> = [
  [
    'len',
    spec(1, 1, (args, ctx) => {
      const value = args[0];
      // A nil result has no elements: `len(result) == 0` must hold when a provider returns nothing.
      if (value === null) return 0;
      if (typeof value === 'string' || isArray(value)) return value.length;
      if (isPlainObject(value)) return mapKeys(value).length;
      return wrongType(ctx, value, 'an array, a map or a string');
    }),
  ],
  ['type', spec(1, 1, (args) => TYPE_NAMES[kindOf(args[0])])],
  ['abs', spec(1, 1, (args, ctx) => Math.abs(num(args, 0, ctx)))],
  ['ceil', spec(1, 1, (args, ctx) => Math.ceil(num(args, 0, ctx)))],
  ['floor', spec(1, 1, (args, ctx) => Math.floor(num(args, 0, ctx)))],
  [
    'round',
    spec(1, 1, (args, ctx) => {
      const value = num(args, 0, ctx);
      // Half away from zero, like Go's math.Round.
      return Math.sign(value) * Math.round(Math.abs(value));
    }),
  ],
  ['int', spec(1, 1, (args, ctx) => toInt(args[0], ctx))],
  ['float', spec(1, 1, (args, ctx) => toFloat(args[0], ctx))],
  ['asInt', spec(1, 1, (args, ctx) => toInt(args[0], ctx))],
  ['asFloat', spec(1, 1, (args, ctx) => toFloat(args[0], ctx))],
  [
    'string',
    spec(1, 1, (args, ctx) => {
      return ctx.checkString(formatValue(args[0], (steps) => ctx.charge(steps)));
    }),
  ],
  ['isNaN', spec(1, 1, (args, ctx) => Number.isNaN(num(args, 0, ctx)))],
  [
    'isInf',
    spec(1, 1, (args, ctx) => {
      const value = num(args, 0, ctx);
      return value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY;
    }),
  ],
  ['isNil', spec(1, 1, (args) => args[0] === null)],
  ['max', extreme((best, value) => best < value)],
  ['min', extreme((best, value) => best > value)],
  [
    'mean',
    spec(1, Number.POSITIVE_INFINITY, (args, ctx) => {
      const values = numbers(args, ctx);
      return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
    }),
  ],
  [
    'median',
    spec(1, Number.POSITIVE_INFINITY, (args, ctx) => {
      const values = numbers(args, ctx).sort((a, b) => a - b);
      const middle = Math.floor(values.length / 2);
      if (values.length === 0) return 0;
      if (values.length % 2 === 1) return values[middle];
      return ((values[middle - 1] as number) + (values[middle] as number)) / 2;
    }),
  ],
  ['first', edge(() => 0)],
  ['last', edge((list) => list.length - 1)],
  ['get', spec(2, 2, get)],
  [
    'take',
    spec(2, 2, (args, ctx) => {
      const count = integer(args, 1, ctx);
      if (count < 0) return ctx.fail('arguments', 'take() expects a non-negative count');
      return arr(args, 0, ctx).slice(0, count);
    }),
  ],
  ['keys', spec(1, 1, (args, ctx) => mapKeys(map(args, 0, ctx)))],
  [
    'values',
    spec(1, 1, (args, ctx) => {
      const object = map(args, 0, ctx);
      return mapKeys(object).map((key) => {
        const field = readField(object, key);
        return field.found ? field.value : null;
      });
    }),
  ],
  ['sort', spec(1, 2, sort)],
];

export const BUILTINS: ReadonlyMap<string, BuiltinSpec> = new Map([...CORE_BUILTINS, ...STRING_BUILTINS]);
