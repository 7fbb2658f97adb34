import { describe, expect, it } from 'vitest';
import { assessMetric, countMeasurements, emptyCounts, tallyMeasurement } from './metric.ts';
import { DEFAULT_CONSECUTIVE_ERROR_LIMIT, MetricSpecError, resolveMetric } from './metric-spec.ts';
import type { AnalysisPhase, MeasurementRecord, MetricSpec } from './types.ts';

const done = (...phases: AnalysisPhase[]): MeasurementRecord[] =>
  phases.map((phase, i) => ({ phase, finishedAt: new Date(i * 1000).toISOString() }));

describe('resolveMetric', () => {
  it('applies Argo defaults', () => {
    expect(resolveMetric({ name: 'm' })).toEqual({
      name: 'm',
      count: 1,
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: DEFAULT_CONSECUTIVE_ERROR_LIMIT,
      intervalMs: undefined,
      initialDelayMs: undefined,
    });
    expect(DEFAULT_CONSECUTIVE_ERROR_LIMIT).toBe(4);
  });

  it('runs forever with an interval and no count, and treats count 0 as unset', () => {
    expect(resolveMetric({ name: 'm', interval: '1m' }).count).toBeUndefined();
    expect(resolveMetric({ name: 'm', interval: '1m', count: 0 }).count).toBeUndefined();
    expect(resolveMetric({ name: 'm', count: 0 }).count).toBe(1);
  });

  it('accepts int-or-string numbers', () => {
    const resolved = resolveMetric({
      name: 'm',
      interval: '30s',
      initialDelay: '1m',
      count: '5',
      failureLimit: '2',
      inconclusiveLimit: 1,
      consecutiveErrorLimit: ' 0 ',
    });
    expect(resolved).toMatchObject({
      count: 5,
      failureLimit: 2,
      inconclusiveLimit: 1,
      consecutiveErrorLimit: 0,
      intervalMs: 30_000,
      initialDelayMs: 60_000,
    });
  });

  it.each<[MetricSpec, string]>([
    [{ name: 'm', count: 'five' }, 'metric "m": count "five" is not an integer'],
    [{ name: 'm', failureLimit: 1.5 }, 'metric "m": failureLimit 1.5 is not an integer'],
    [{ name: 'm', failureLimit: -1 }, 'metric "m": failureLimit must be >= 0'],
    [{ name: 'm', consecutiveErrorLimit: '-2' }, 'metric "m": consecutiveErrorLimit must be >= 0'],
    [{ name: 'm', count: 2, interval: '1m', failureLimit: 3 }, 'metric "m": count must be >= failureLimit'],
    [{ name: 'm', count: 1, inconclusiveLimit: 2 }, 'metric "m": count must be >= inconclusiveLimit'],
    [{ name: 'm', count: 3 }, 'metric "m": interval must be specified when count > 1'],
    [{ name: 'm', interval: '5' }, 'metric "m": invalid interval: time: missing unit in duration "5"'],
    [
      { name: 'm', initialDelay: '60s-typo' },
      'metric "m": invalid initialDelay: time: unknown unit "s-typo" in duration "60s-typo"',
    ],
    [{ name: 'm', interval: '-1m' }, 'metric "m": interval must not be negative'],
  ])('rejects %j', (metric, message) => {
    expect(() => resolveMetric(metric)).toThrow(MetricSpecError);
    expect(() => resolveMetric(metric)).toThrow(message);
  });
});

describe('tallyMeasurement', () => {
  it('counts like Argo: errors are not counted and reset on any other outcome', () => {
    let counts = emptyCounts();
    for (const phase of [
      'Error',
      'Error',
      'Successful',
      'Error',
      'Failed',
      'Inconclusive',
      'Running',
    ] as const) {
      counts = tallyMeasurement(counts, phase);
    }
    expect(counts).toEqual({
      count: 3,
      successful: 1,
      failed: 1,
      inconclusive: 1,
      error: 3,
      consecutiveError: 0,
    });
    expect(countMeasurements(done('Error', 'Error'))).toMatchObject({ consecutiveError: 2, count: 0 });
  });
});

describe('assessMetric', () => {
  const once: MetricSpec = { name: 'rate', successCondition: 'result[0] >= 0.95' };
  const every: MetricSpec = { name: 'rate', interval: '1m', count: 5, failureLimit: 2 };

  it('is Pending before the first measurement and Running while one is in flight', () => {
    expect(assessMetric(once, [])).toMatchObject({ phase: 'Pending' });
    expect(assessMetric(once, [{ phase: 'Running' }])).toMatchObject({
      phase: 'Running',
      message: 'measurement in progress',
    });
  });

  it('a metric with no count and no interval runs once', () => {
    expect(assessMetric(once, done('Successful'))).toMatchObject({
      phase: 'Successful',
      message: 'count (1) reached: 1 successful, 0 failed, 0 inconclusive, 0 errors',
    });
    expect(assessMetric(once, done('Failed'))).toMatchObject({
      phase: 'Failed',
      message: 'failed (1) > failureLimit (0)',
    });
    expect(assessMetric(once, done('Inconclusive'))).toMatchObject({
      phase: 'Inconclusive',
      message: 'inconclusive (1) > inconclusiveLimit (0)',
    });
  });

  it('fails only when failures exceed the limit, not when they reach it', () => {
    expect(assessMetric(every, done('Failed', 'Failed')).phase).toBe('Running');
    expect(assessMetric(every, done('Failed', 'Failed', 'Failed'))).toMatchObject({
      phase: 'Failed',
      message: 'failed (3) > failureLimit (2)',
    });
    expect(
      assessMetric(every, done('Failed', 'Successful', 'Failed', 'Successful', 'Successful')).phase,
    ).toBe('Successful');
  });

  it('is Inconclusive only when inconclusive measurements exceed the limit', () => {
    const metric: MetricSpec = { name: 'm', interval: '1m', count: 4, inconclusiveLimit: 1 };
    expect(assessMetric(metric, done('Inconclusive', 'Successful')).phase).toBe('Running');
    expect(assessMetric(metric, done('Inconclusive', 'Successful', 'Inconclusive'))).toMatchObject({
      phase: 'Inconclusive',
      message: 'inconclusive (2) > inconclusiveLimit (1)',
    });
  });

  it('counts toward `count` only measurements that are not errors', () => {
    expect(
      assessMetric(every, done('Successful', 'Error', 'Successful', 'Successful', 'Successful')).phase,
    ).toBe('Running');
    expect(
      assessMetric(every, done('Successful', 'Error', 'Successful', 'Successful', 'Successful', 'Successful'))
        .phase,
    ).toBe('Successful');
  });

  it('errors: the default limit is 4 in a row, and a success resets the run of errors', () => {
    expect(assessMetric(every, done('Error', 'Error', 'Error', 'Error')).phase).toBe('Running');
    expect(assessMetric(every, done('Error', 'Error', 'Error', 'Error', 'Error'))).toMatchObject({
      phase: 'Error',
      message: 'consecutiveErrors (5) > consecutiveErrorLimit (4)',
    });
    expect(
      assessMetric(every, done('Error', 'Error', 'Error', 'Error', 'Successful', 'Error', 'Error')).phase,
    ).toBe('Running');
    expect(assessMetric({ ...every, consecutiveErrorLimit: 0 }, done('Error')).phase).toBe('Error');
  });

  it('when several limits are exceeded, errors win over inconclusive over failed, as in Argo', () => {
    const metric: MetricSpec = { name: 'm', interval: '1m', consecutiveErrorLimit: 0 };
    expect(assessMetric(metric, done('Failed', 'Inconclusive')).phase).toBe('Inconclusive');
    expect(assessMetric(metric, done('Failed', 'Inconclusive', 'Error')).phase).toBe('Error');
  });

  it('a metric without count runs until the run ends', () => {
    const forever: MetricSpec = { name: 'm', interval: '30s', failureLimit: 1 };
    expect(assessMetric(forever, done('Successful', 'Failed', 'Successful'))).toMatchObject({
      phase: 'Running',
      message: '3 measurements taken: 2 successful, 1 failed, 0 inconclusive, 0 errors',
    });
    expect(assessMetric(forever, done('Successful'), { terminating: true })).toMatchObject({
      phase: 'Successful',
      message: 'run ended: 1 successful, 0 failed, 0 inconclusive, 0 errors',
    });
    expect(assessMetric(forever, [], { terminating: true }).phase).toBe('Successful');
    expect(assessMetric(forever, done('Failed', 'Failed'), { terminating: true }).phase).toBe('Failed');
  });

  it('uses totals from status when old measurements were trimmed', () => {
    const counts = { count: 5, successful: 2, failed: 3, inconclusive: 0, error: 0, consecutiveError: 0 };
    expect(assessMetric(every, done('Successful'), { counts })).toMatchObject({ phase: 'Failed', counts });
  });

  it('an invalid spec is an Error, not an exception', () => {
    expect(assessMetric({ name: 'm', count: 'x' }, done('Successful'))).toMatchObject({
      phase: 'Error',
      message: 'metric "m": count "x" is not an integer',
    });
  });
});
