// The value model: nil (null), booleans, numbers, strings, arrays and plain objects ("maps").
// Everything read from the environment goes through `readField` / `readIndex`, which see only own
// data properties of plain objects and arrays: no prototype, no getters, no functions, and the
// names that lead to constructors are refused outright.

import { ExpressionBudgetError, ExpressionEvaluationError } from './expression-errors.ts';

type ValueKind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'unsupported';

export type ValueMap = Record<string, unknown>;

/** Names that are never readable, even as own properties of parsed JSON. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

export function isForbiddenName(name: string): boolean {
  return FORBIDDEN_NAMES.has(name);
}

export function isPlainObject(value: unknown): value is ValueMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** expr's type names, used in messages (`int` and `float` are told apart by the value). */
export function kindOf(value: unknown): ValueKind {
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'string';
    default:
      if (Array.isArray(value)) return 'array';
      if (isPlainObject(value)) return 'map';
      return 'unsupported';
  }
}

type FieldResult = { found: true; value: unknown } | { found: false; forbidden: boolean };

/** Own data property of a plain object; accessors and inherited members are never touched. */
export function readField(object: ValueMap, name: string): FieldResult {
  if (FORBIDDEN_NAMES.has(name)) return { found: false, forbidden: true };
  const descriptor = Object.getOwnPropertyDescriptor(object, name);
  if (descriptor === undefined) return { found: false, forbidden: false };
  if (!('value' in descriptor)) return { found: false, forbidden: true };
  return { found: true, value: descriptor.value ?? null };
}

/** Element of an array at an in-range index, read as an own data property. */
export function readIndex(array: readonly unknown[], index: number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(array, index);
  if (descriptor === undefined || !('value' in descriptor)) return null;
  return descriptor.value ?? null;
}

/** Own enumerable keys of a map that may be read. */
export function mapKeys(object: ValueMap): string[] {
  return Object.keys(object).filter((key) => !FORBIDDEN_NAMES.has(key));
}

/** Called once per value visited by a deep walk, so a walk is charged to the step budget. */
type Charge = (steps: number) => void;

/** Nesting beyond this is refused by deep walks rather than risking the stack. */
const MAX_VALUE_DEPTH = 64;

/** Deep equality: numbers by value (NaN equals nothing), arrays and maps element by element. */
export function equals(a: unknown, b: unknown, charge: Charge, depth = 0): boolean {
  charge(1);
  if (depth > MAX_VALUE_DEPTH)
    throw new ExpressionBudgetError(`values nested more than ${MAX_VALUE_DEPTH} levels deep`);
  const kindA = kindOf(a);
  const kindB = kindOf(b);
  if (kindA === 'nil' || kindB === 'nil') return kindA === kindB;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (kindA !== kindB) return false;
  if (isArray(a) && isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!equals(readIndex(a, i), readIndex(b, i), charge, depth + 1)) return false;
    }
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = mapKeys(a);
    if (keys.length !== mapKeys(b).length) return false;
    return keys.every((key) => {
      const left = readField(a, key);
      const right = readField(b, key);
      return left.found && right.found && equals(left.value, right.value, charge, depth + 1);
    });
  }
  return a === b;
}

/** Go's `%v` spelling, which expr's `string()` uses: `+Inf`, `1e-05`, `[1 2]`, `map[a:1]`. */
export function formatValue(value: unknown, charge: Charge, depth = 0): string {
  charge(1);
  if (depth > MAX_VALUE_DEPTH)
    throw new ExpressionBudgetError(`values nested more than ${MAX_VALUE_DEPTH} levels deep`);
  switch (kindOf(value)) {
    case 'nil':
      return '<nil>';
    case 'bool':
    case 'string':
      return String(value);
    case 'int':
    case 'float':
      return formatNumber(value as number);
    case 'array':
      return `[${(value as readonly unknown[]).map((item) => formatValue(item ?? null, charge, depth + 1)).join(' ')}]`;
    case 'map': {
      const map = value as ValueMap;
      const parts = mapKeys(map)
        .sort()
        .map((key) => {
          const field = readField(map, key);
          return `${key}:${formatValue(field.found ? field.value : null, charge, depth + 1)}`;
        });
      return `map[${parts.join(' ')}]`;
    }
    default:
      return `<${typeof value}>`;
  }
}

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    // Go writes at least two exponent digits.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** A short description of a value for error messages: its kind, and the value when it is small. */
export function describe(value: unknown): string {
  const kind = kindOf(value);
  if (kind === 'nil' || kind === 'array' || kind === 'map' || kind === 'unsupported') return kind;
  const text = kind === 'string' ? JSON.stringify(value) : formatValue(value, () => {});
  return text.length > 40 ? `${kind} ${text.slice(0, 40)}…` : `${kind} ${text}`;
}

/** The result of an expression may only be data; a host object that slipped in is refused. */
export function assertPlainData(value: unknown, charge: Charge, depth = 0): void {
  charge(1);
  if (depth > MAX_VALUE_DEPTH)
    throw new ExpressionBudgetError(`values nested more than ${MAX_VALUE_DEPTH} levels deep`);
  if (kindOf(value) === 'unsupported') {
    throw new ExpressionEvaluationError(
      'type',
      `expression result contains an unsupported ${typeof value} value`,
    );
  }
  if (isArray(value)) {
    for (let i = 0; i < value.length; i++) assertPlainData(readIndex(value, i), charge, depth + 1);
  } else if (isPlainObject(value)) {
    for (const key of mapKeys(value)) {
      const field = readField(value, key);
      if (field.found) assertPlainData(field.value, charge, depth + 1);
    }
  }
}
