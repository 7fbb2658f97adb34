// What operators and builtins may ask of the running evaluation: to fail with a located error, and
// to spend the step budget. Also the limits that keep any expression cheap.

import type { EvaluationErrorCode } from './expression-errors.ts';

export interface Limits {
  /** Node evaluations plus per-element work in builtins, ranges, slices and regex matching. */
  maxSteps: number;
  /** Elements of an `a..b` range. */
  maxRange: number;
  /** Length of a string the expression builds (concatenation, `string()`, `join`, ...). */
  maxString: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxSteps: 1_000_000,
  maxRange: 10_000,
  maxString: 65_536,
});

export interface CallContext {
  /** Builtin or operator name, for messages. */
  readonly name: string;
  readonly limits: Readonly<Limits>;
  fail(code: EvaluationErrorCode, reason: string, cause?: unknown): never;
  charge(steps: number): void;
  /** Fails when a string the expression built is over the size limit; returns it otherwise. */
  checkString(value: string): string;
}
