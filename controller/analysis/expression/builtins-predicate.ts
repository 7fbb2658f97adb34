// Builtins that run a predicate (`#`-closure) per element: all, any, none, one, filter, map, count,
// sum, find, findIndex, findLast, findLastIndex and reduce. Empty arrays follow expr: `all` and
// `none` are true, `any` and `one` false; that is why the analysis layer refuses to call an empty
// result a success unless the condition looks at emptiness itself.

import type { CallContext } from './context.ts';
import { kindOf } from './values.ts';

export type Predicate = (element: unknown, index: number, accumulator?: unknown) => unknown;

interface PredicateCall {
  collection: readonly unknown[];
  /** Undefined when an optional predicate (count, sum) was left out. */
  predicate: Predicate | undefined;
  /** Further plain arguments, e.g. reduce's initial value. */
  rest: readonly unknown[];
}

type PredicateBuiltin = (call: PredicateCall, ctx: CallContext) => unknown;

function truth(value: unknown, ctx: CallContext): boolean {
  if (typeof value === 'boolean') return value;
  return ctx.fail('type', `predicate of ${ctx.name}() must return a bool, got ${kindOf(value)}`);
}

function test(call: PredicateCall, ctx: CallContext, element: unknown, index: number): boolean {
  return truth(call.predicate === undefined ? element : call.predicate(element, index), ctx);
}

function findFrom(call: PredicateCall, ctx: CallContext, fromEnd: boolean): number {
  const { length } = call.collection;
  for (let step = 0; step < length; step++) {
    const index = fromEnd ? length - 1 - step : step;
    if (test(call, ctx, call.collection[index] ?? null, index)) return index;
  }
  return -1;
}

export const PREDICATE_IMPLEMENTATIONS: ReadonlyMap<string, PredicateBuiltin> = new Map<
  string,
  PredicateBuiltin
>([
  ['all', (call, ctx) => call.collection.every((element, i) => test(call, ctx, element ?? null, i))],
  ['any', (call, ctx) => call.collection.some((element, i) => test(call, ctx, element ?? null, i))],
  ['none', (call, ctx) => !call.collection.some((element, i) => test(call, ctx, element ?? null, i))],
  [
    'one',
    (call, ctx) => {
      let matched = 0;
      for (const [i, element] of call.collection.entries()) {
        if (test(call, ctx, element ?? null, i) && ++matched > 1) return false;
      }
      return matched === 1;
    },
  ],
  ['filter', (call, ctx) => call.collection.filter((element, i) => test(call, ctx, element ?? null, i))],
  [
    'map',
    (call) =>
      call.collection.map((element, i) => (call.predicate ? call.predicate(element ?? null, i) : element)),
  ],
  [
    'count',
    (call, ctx) =>
      call.collection.reduce<number>((n, element, i) => n + (test(call, ctx, element ?? null, i) ? 1 : 0), 0),
  ],
  [
    'sum',
    (call, ctx) =>
      call.collection.reduce<number>((total, element, i) => {
        const value = call.predicate === undefined ? element : call.predicate(element ?? null, i);
        if (typeof value !== 'number') return ctx.fail('type', `sum() expects numbers, got ${kindOf(value)}`);
        return total + value;
      }, 0),
  ],
  ['find', (call, ctx) => call.collection[findFrom(call, ctx, false)] ?? null],
  ['findIndex', (call, ctx) => findFrom(call, ctx, false)],
  ['findLast', (call, ctx) => call.collection[findFrom(call, ctx, true)] ?? null],
  ['findLastIndex', (call, ctx) => findFrom(call, ctx, true)],
  [
    'reduce',
    (call, ctx) => {
      const { collection, predicate } = call;
      const hasInitial = call.rest.length > 0;
      if (!hasInitial && collection.length === 0) {
        return ctx.fail('arguments', 'reduce() of an empty array needs an initial value');
      }
      let accumulator = hasInitial ? call.rest[0] : collection[0];
      for (let i = hasInitial ? 0 : 1; i < collection.length; i++) {
        accumulator = predicate?.(collection[i] ?? null, i, accumulator ?? null);
      }
      return accumulator ?? null;
    },
  ],
]);
