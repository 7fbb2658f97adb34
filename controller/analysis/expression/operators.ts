// The eager binary operators with expr's rules: `/` and `**` always give floats, `%` needs
// integers, comparisons need two numbers or two strings (so `nil < 1` is an error, as Argo users
// see with an empty Datadog result), any comparison with NaN is false, and `==` is deep equality
// that never fails on mismatched types.

import type { BinaryOperator } from './ast.ts';
import type { CallContext } from './context.ts';
import { compileRegex, RegexSyntaxError, regexMatches } from './regex.ts';
import { equals, isArray, isPlainObject, kindOf, readField, readIndex } from './values.ts';

type EagerOperator = Exclude<BinaryOperator, '&&' | '||' | '??'>;

export function applyBinary(
  operator: EagerOperator,
  left: unknown,
  right: unknown,
  ctx: CallContext,
): unknown {
  const mismatch = (): never =>
    ctx.fail(
      'type',
      `invalid operation: ${operator} (mismatched types ${kindOf(left)} and ${kindOf(right)})`,
    );
  switch (operator) {
    case '==':
      return equals(left, right, (steps) => ctx.charge(steps));
    case '!=':
      return !equals(left, right, (steps) => ctx.charge(steps));
    case '<':
    case '>':
    case '<=':
    case '>=':
      if (
        (typeof left === 'number' && typeof right === 'number') ||
        (typeof left === 'string' && typeof right === 'string')
      ) {
        return compare(operator, left, right);
      }
      return mismatch();
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (typeof left === 'string' && typeof right === 'string') return ctx.checkString(left + right);
      return mismatch();
    case '-':
    case '*':
    case '/':
    case '**':
      if (typeof left !== 'number' || typeof right !== 'number') return mismatch();
      if (operator === '-') return left - right;
      if (operator === '*') return left * right;
      if (operator === '/') return left / right;
      return left ** right;
    case '%':
      if (typeof left !== 'number' || typeof right !== 'number') return mismatch();
      if (!Number.isInteger(left) || !Number.isInteger(right)) return mismatch();
      if (right === 0) return ctx.fail('type', 'integer divide by zero');
      // JavaScript's remainder takes the dividend's sign, like Go's.
      return (left % right) + 0;
    case '..':
      return range(left, right, ctx, mismatch);
    case 'in':
      return membership(left, right, ctx);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      if (typeof left !== 'string' || typeof right !== 'string') return mismatch();
      if (operator === 'contains') return left.includes(right);
      return operator === 'startsWith' ? left.startsWith(right) : left.endsWith(right);
    case 'matches':
      if (typeof left !== 'string' || typeof right !== 'string') return mismatch();
      return matches(left, right, ctx);
  }
}

function compare<T extends number | string>(operator: '<' | '>' | '<=' | '>=', left: T, right: T): boolean {
  switch (operator) {
    case '<':
      return left < right;
    case '>':
      return left > right;
    case '<=':
      return left <= right;
    case '>=':
      return left >= right;
  }
}

function range(left: unknown, right: unknown, ctx: CallContext, mismatch: () => never): number[] {
  if (!Number.isInteger(left) || !Number.isInteger(right)) return mismatch();
  const from = left as number;
  const size = (right as number) - from + 1;
  if (size <= 0) return [];
  if (size > ctx.limits.maxRange) {
    ctx.fail('budget', `range of ${size} elements is larger than the limit of ${ctx.limits.maxRange}`);
  }
  ctx.charge(size);
  return Array.from({ length: size }, (_, i) => from + i);
}

function membership(needle: unknown, haystack: unknown, ctx: CallContext): boolean {
  if (haystack === null || haystack === undefined) return false;
  if (isArray(haystack)) {
    const charge = (steps: number): void => ctx.charge(steps);
    for (let i = 0; i < haystack.length; i++) if (equals(readIndex(haystack, i), needle, charge)) return true;
    return false;
  }
  if (isPlainObject(haystack)) {
    if (typeof needle !== 'string') {
      return ctx.fail('type', `cannot use ${kindOf(needle)} as a key of map`);
    }
    return readField(haystack, needle).found;
  }
  return ctx.fail('type', `operator "in" not defined on ${kindOf(haystack)}`);
}

function matches(subject: string, pattern: string, ctx: CallContext): boolean {
  let regex: ReturnType<typeof compileRegex>;
  try {
    regex = compileRegex(pattern);
  } catch (error) {
    if (error instanceof RegexSyntaxError) {
      return ctx.fail(
        'arguments',
        `invalid regular expression ${JSON.stringify(pattern)}: ${error.message}`,
        error,
      );
    }
    throw error;
  }
  return regexMatches(regex, subject, (steps) => ctx.charge(steps));
}
