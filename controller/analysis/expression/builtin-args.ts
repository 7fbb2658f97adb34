// Argument checks shared by the builtins, and Go's number parsing (strconv) that expr's `int`,
// `float` and Argo's `asInt`, `asFloat` follow.

import type { CallContext } from './context.ts';
import { isArray, isPlainObject, kindOf, readIndex, type ValueMap } from './values.ts';

export type Builtin = (args: readonly unknown[], ctx: CallContext) => unknown;

export interface BuiltinSpec {
  /** Fewest and most arguments; `max` may be Infinity. */
  min: number;
  max: number;
  run: Builtin;
}

export function spec(min: number, max: number, run: Builtin): BuiltinSpec {
  return { min, max, run };
}

export function wrongType(ctx: CallContext, value: unknown, expected: string): never {
  return ctx.fail('type', `${ctx.name}() expects ${expected}, got ${kindOf(value)}`);
}

export function num(args: readonly unknown[], i: number, ctx: CallContext): number {
  const value = args[i];
  return typeof value === 'number' ? value : wrongType(ctx, value, 'a number');
}

export function str(args: readonly unknown[], i: number, ctx: CallContext): string {
  const value = args[i];
  return typeof value === 'string' ? value : wrongType(ctx, value, 'a string');
}

export function arr(args: readonly unknown[], i: number, ctx: CallContext): readonly unknown[] {
  const value = args[i];
  return isArray(value) ? value : wrongType(ctx, value, 'an array');
}

export function map(args: readonly unknown[], i: number, ctx: CallContext): ValueMap {
  const value = args[i];
  return isPlainObject(value) ? value : wrongType(ctx, value, 'a map');
}

export function integer(args: readonly unknown[], i: number, ctx: CallContext): number {
  const value = num(args, i, ctx);
  return Number.isFinite(value) ? Math.trunc(value) : wrongType(ctx, value, 'a finite number');
}

/** Numbers of the arguments, arrays flattened, as expr's max/min/mean/median take them. */
export function numbers(args: readonly unknown[], ctx: CallContext): number[] {
  const out: number[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'number') out.push(value);
    else if (isArray(value) && depth < 8) {
      ctx.charge(value.length);
      for (let i = 0; i < value.length; i++) visit(readIndex(value, i), depth + 1);
    } else wrongType(ctx, value, 'numbers or arrays of numbers');
  };
  for (const arg of args) visit(arg, 0);
  return out;
}

const GO_INT = /^[+-]?\d+$/;
const GO_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Go's strconv.ParseInt(s, 10, 64) / Atoi. */
export function parseGoInt(text: string): number | undefined {
  if (!GO_INT.test(text)) return undefined;
  const value = Number(text);
  return Math.abs(value) <= 2 ** 63 ? value : undefined;
}

/** Go's strconv.ParseFloat(s, 64) for decimal text and its spellings of infinity and NaN. */
export function parseGoFloat(text: string): number | undefined {
  if (GO_FLOAT.test(text)) return Number(text);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special === null) return undefined;
  if (special[2]?.toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}
