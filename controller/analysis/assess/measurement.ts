// Judges one measured value against a metric's conditions, with Argo Rollouts' rules:
//
//   success and failure set: failure true → Failed; else success true → Successful; else Inconclusive
//   only success set:        success true → Successful, else Failed
//   only failure set:        failure true → Failed, else Successful
//   neither set:             Successful
//   a condition fails to compile or evaluate → Error, with the error's message
//
// Sluice adds one rule on missing data, which bites Argo and Flagger users alike: a query that
// returns nothing (nil, an empty vector or array) or only NaN (Prometheus' 0/0 when there is no
// traffic) must not pass, yet `all(result, # < 1000)` is true of an empty vector and a lone
// failureCondition is false of it. So when the value is missing, the measurement is Inconclusive
// ("query returned no data") without evaluating anything, unless a condition visibly deals with
// missing data itself, in which case the conditions decide as usual:
//   - empty or nil: a condition calls len(), default() or isNil(), uses `??` or `?.`, or compares
//     with nil (e.g. `len(result) == 0 || result[0] >= 0.95`, `default(result[0], 0) >= 0.9`);
//   - all NaN: a condition calls isNaN() (e.g. `isNaN(result) || result >= 0.95`).

import {
  type CompiledExpression,
  compile,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  evaluateCondition,
} from '../expression/index.ts';
import type { CompletedPhase, MetricConditions } from './types.ts';

interface MeasurementAssessment {
  phase: CompletedPhase;
  message: string;
}

type MissingData = 'empty' | 'nan';

const EMPTY_HANDLERS: ReadonlySet<string> = new Set(['len', 'default', 'isNil']);
const NAN_HANDLERS: ReadonlySet<string> = new Set(['isNaN']);

/** Whether a value counts as missing data, and how. */
export function missingData(value: unknown): MissingData | undefined {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'empty';
    return value.every((item) => typeof item === 'number' && Number.isNaN(item)) ? 'nan' : undefined;
  }
  return typeof value === 'number' && Number.isNaN(value) ? 'nan' : undefined;
}

/** Whether a compiled condition deals with the given kind of missing data itself. */
function handlesMissingData(condition: CompiledExpression, kind: MissingData): boolean {
  const { functions, nilAware } = condition.features;
  const handlers = kind === 'empty' ? EMPTY_HANDLERS : NAN_HANDLERS;
  if (kind === 'empty' && nilAware) return true;
  for (const name of handlers) if (functions.has(name)) return true;
  return false;
}

type Compiled = { ok: true; expression: CompiledExpression } | { ok: false; message: string };

function compileCondition(field: string, source: string): Compiled {
  try {
    return { ok: true, expression: compile(source) };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError)
      return { ok: false, message: `invalid ${field}: ${error.summary}` };
    throw error;
  }
}

export function assessMeasurement(value: unknown, metric: MetricConditions): MeasurementAssessment {
  const conditions: [field: 'successCondition' | 'failureCondition', source: string][] = [];
  for (const field of ['successCondition', 'failureCondition'] as const) {
    const source: unknown = metric[field];
    // Unset and blank are the same to Argo; anything but a string is a broken spec.
    if (source === undefined || source === null || (typeof source === 'string' && source.trim() === ''))
      continue;
    if (typeof source !== 'string') return { phase: 'Error', message: `invalid ${field}: not a string` };
    conditions.push([field, source]);
  }

  const compiled = new Map<string, CompiledExpression>();
  for (const [field, source] of conditions) {
    const result = compileCondition(field, source);
    if (!result.ok) return { phase: 'Error', message: result.message };
    compiled.set(field, result.expression);
  }

  const missing = missingData(value);
  if (missing !== undefined && ![...compiled.values()].some((c) => handlesMissingData(c, missing))) {
    const what = missing === 'empty' ? 'query returned no data' : 'query returned only NaN (no data)';
    return { phase: 'Inconclusive', message: `${what}; a condition must handle this explicitly to decide` };
  }

  const outcomes = new Map<string, boolean>();
  for (const [field, expression] of compiled) {
    try {
      outcomes.set(field, evaluateCondition(expression, { result: value }));
    } catch (error) {
      if (error instanceof ExpressionEvaluationError) {
        return {
          phase: 'Error',
          message: `${field} ${quote(expression.source)} failed: ${error.message}`,
        };
      }
      throw error;
    }
  }
  return decide(outcomes.get('successCondition'), outcomes.get('failureCondition'));
}

/** A condition as shown in a message: quoted, and cut short so status messages stay readable. */
function quote(source: string): string {
  const oneLine = source.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > 80 ? `${oneLine.slice(0, 79)}…` : oneLine);
}

/** Argo's table; `undefined` means the condition is not set. */
function decide(success: boolean | undefined, failure: boolean | undefined): MeasurementAssessment {
  if (success === undefined && failure === undefined) {
    return { phase: 'Successful', message: 'no conditions set; every measurement is successful' };
  }
  if (failure === true) return { phase: 'Failed', message: 'failureCondition is true' };
  if (success === true) {
    return {
      phase: 'Successful',
      message:
        failure === undefined
          ? 'successCondition is true'
          : 'successCondition is true and failureCondition is false',
    };
  }
  if (success === false && failure === undefined)
    return { phase: 'Failed', message: 'successCondition is false' };
  if (success === undefined) return { phase: 'Successful', message: 'failureCondition is false' };
  return { phase: 'Inconclusive', message: 'neither successCondition nor failureCondition is true' };
}
