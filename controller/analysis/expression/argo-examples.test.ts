// Conditions as they appear in Argo Rollouts' analysis documentation (Prometheus, Datadog, web,
// New Relic, CloudWatch, InfluxDB, Graphite, SkyWalking pages and the evaluator's own tests),
// with the `result` shapes those providers produce. They must keep working unchanged.

import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError, evaluateCondition } from './index.ts';

const table: [condition: string, result: unknown, expected: boolean][] = [
  // Prometheus: instant vectors are arrays of numbers.
  ['result[0] >= 0.95', [0.97], true],
  ['result[0] >= 0.95', [0.9], false],
  ['result[0] <= 0.01', [0.002], true],
  ['result[0] <= 0.01', [0.5], false],
  ['result[0] < 0.01', [0.02], false],
  ['len(result) == 0 || result[0] >= 0.95', [], true],
  ['len(result) == 0 || result[0] >= 0.95', [0.96], true],
  ['len(result) == 0 || result[0] >= 0.95', [0.5], false],
  ['default(result[0], 0) >= 0.9', [], false],
  ['default(result[0], 0) >= 0.9', [0.95], true],
  ['default(result[0], 1) >= 0.9', [], true],
  // Range queries: every point must pass.
  ['all(result, # < 1000)', [120, 430, 999], true],
  ['all(result, # < 1000)', [120, 1430], false],
  ['all(result, {# < 1000})', [120, 430], true],
  ['any(result, {# > 5})', [1, 2, 6], true],
  ['none(result, # > 5)', [1, 2, 3], true],
  ['one(result, # > 5)', [1, 7, 3], true],
  // Scalars (Prometheus scalar, Datadog, Wavefront, Kayenta score).
  ['result >= 0.95', 0.99, true],
  ['result <= 0.01', 0.001, true],
  ['result >= 10', 3, false],
  ['result > 1', 5, true],
  ['isNaN(result) || result >= 0.95', Number.NaN, true],
  ['isNaN(result) || result >= 0.95', 0.5, false],
  ['!isNaN(result) && result >= 0.95', Number.NaN, false],
  ['isInf(result)', Number.POSITIVE_INFINITY, true],
  ['isInf(result)', 3, false],
  ['isNaN(result[0]) || result[0] < 0.05', [Number.NaN], true],
  // Datadog: nil when there is no data, handled with default().
  ['default(result, 0) < 10', null, true],
  ['default(result, 0) < 0.05', 0.2, false],
  ['default(result, 0) > 4', 7, true],
  ['isNil(result)', null, true],
  // Datadog grouped queries: slices reduced with aggregate functions.
  ['max(result) < 0.05', [0.01, 0.02], true],
  ['max(result) < 0.05', [0.01, 0.2], false],
  ['mean(result) < 0.05', [0.01, 0.03], true],
  ['sum(result) < 1', [0.2, 0.3], true],
  ['min(result) >= 0.9', [0.95, 0.99], true],
  // Web: JSON documents and jsonPath selections.
  ['result == true', true, true],
  ["result == 'true'", 'true', true],
  ["result == 'true'", true, false],
  ['result.ok && result.successPercent >= 0.90', { ok: true, successPercent: 0.95 }, true],
  ['result.ok && result.successPercent >= 0.90', { ok: true, successPercent: 0.5 }, false],
  ['result.successPercent >= 0.9', { successPercent: 0.91 }, true],
  ['asFloat(result) >= 0.90', '0.95', true],
  ['asInt(result) > 5', '7', true],
  ['asInt(result) == 1', 1.123, true],
  ['asFloat(result) == 1.1', '1.1', true],
  ['asFloat(result) >= 1', 1, true],
  ['2 in result', [2, 2], true],
  // New Relic: maps, including keys with dots.
  ['result.successRate >= 0.95', { successRate: 0.97 }, true],
  ["result['average.duration'] < 200", { 'average.duration': 120 }, true],
  // CloudWatch: arrays of objects.
  ['all(result[0].Values, {# <= 0.01})', [{ Values: [0.001, 0.005] }], true],
  // InfluxDB and Graphite: arrays like Prometheus.
  ['result[0] <= 0.01', [0.01], true],
  // SkyWalking: predicates with `.field` shorthand.
  [
    'all(result.service_apdex.values.values, {asFloat(.value) >= 9900})',
    { service_apdex: { values: { values: [{ value: '9950' }, { value: '9999' }] } } },
    true,
  ],
  [
    'all(result.service_apdex.values.values, {# > 1})',
    { service_apdex: { label: null, values: { values: [2, 2] } } },
    true,
  ],
  // Constant conditions from the evaluator tests.
  ['true', true, true],
  ['false', true, false],
  ['result == false', true, false],
];

describe('Argo Rollouts documentation conditions', () => {
  it.each(table)('%s with result %j → %s', (condition, result, expected) => {
    expect(evaluateCondition(condition, { result })).toBe(expected);
  });
});

describe('Argo Rollouts documented failures', () => {
  it('a nil result compared with a number is a type error, as Datadog users see', () => {
    expect(() => evaluateCondition('result < 0.05', { result: null })).toThrow(
      /invalid operation: < \(mismatched types nil and float\)/,
    );
  });

  it('asInt of a non-integer string fails', () => {
    expect(() => evaluateCondition('asInt(result) == 1', { result: '1.1' })).toThrow(
      ExpressionEvaluationError,
    );
    expect(() => evaluateCondition('asFloat(result) == 1.1', { result: 'NotANum' })).toThrow(
      /cannot parse "NotANum" as a float/,
    );
  });

  it('an unknown variable is named', () => {
    expect(() => evaluateCondition('invalidVariable', { result: true })).toThrow(
      /unknown name invalidVariable/,
    );
  });

  it('a non-boolean result is refused', () => {
    expect(() => evaluateCondition('1', { result: true })).toThrow(/did not return a boolean \(got int\)/);
  });

  it('method calls are refused', () => {
    expect(() => evaluateCondition("result.Name() == 'hi'", { result: true })).toThrow(/method calls/);
  });

  it('an index past the end of an empty vector is an error', () => {
    expect(() => evaluateCondition('result[0] >= 0.95', { result: [] })).toThrow(
      /index out of range: 0 \(array length is 0\)/,
    );
  });
});
