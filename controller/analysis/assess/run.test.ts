import { describe, expect, it } from 'vitest';
import { assessRun, isTerminating, isWorse, type MetricResult } from './run.ts';

const result = (
  name: string,
  phase: MetricResult['phase'],
  message?: string,
  value?: string,
): MetricResult => ({
  name,
  phase,
  ...(message === undefined ? {} : { message }),
  measurements: value === undefined ? [] : [{ phase: 'Successful', value }],
});

describe('isWorse', () => {
  it('orders phases as Argo does', () => {
    expect(isWorse('Successful', 'Inconclusive')).toBe(true);
    expect(isWorse('Inconclusive', 'Error')).toBe(true);
    expect(isWorse('Error', 'Failed')).toBe(true);
    expect(isWorse('Failed', 'Error')).toBe(false);
    expect(isWorse('Successful', 'Successful')).toBe(false);
  });
});

describe('assessRun', () => {
  it('is Running while any metric is, naming them', () => {
    const run = assessRun([result('a', 'Successful'), result('b', 'Running'), result('c', 'Pending')]);
    expect(run).toMatchObject({
      phase: 'Running',
      message: 'waiting for metrics "b", "c"',
      decidedBy: undefined,
    });
  });

  it('is Successful when every metric is', () => {
    const run = assessRun([result('a', 'Successful'), result('b', 'Successful')]);
    expect(run).toMatchObject({ phase: 'Successful', message: 'all 2 metrics were successful' });
    expect(run.runSummary).toEqual({ count: 2, successful: 2, failed: 0, inconclusive: 0, error: 0 });
  });

  it('ends as soon as a metric fails, naming it and its last value', () => {
    const run = assessRun([
      result('latency', 'Running'),
      result('error-rate', 'Failed', 'failed (2) > failureLimit (1)', '[0.07]'),
    ]);
    expect(run).toMatchObject({
      phase: 'Failed',
      decidedBy: 'error-rate',
      message: 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1); last value: [0.07]',
    });
  });

  it('takes the worst phase: Failed over Error over Inconclusive', () => {
    const phases = (...list: MetricResult['phase'][]) =>
      assessRun(list.map((p, i) => result(`m${i}`, p, 'why')));
    expect(phases('Inconclusive', 'Error', 'Failed', 'Successful')).toMatchObject({
      phase: 'Failed',
      decidedBy: 'm2',
    });
    expect(phases('Inconclusive', 'Error', 'Successful')).toMatchObject({ phase: 'Error', decidedBy: 'm1' });
    expect(phases('Successful', 'Inconclusive')).toMatchObject({ phase: 'Inconclusive', decidedBy: 'm1' });
  });

  it('includes the last measurement message of an erroring metric', () => {
    const erroring: MetricResult = {
      name: 'm',
      phase: 'Error',
      message: 'consecutiveErrors (5) > consecutiveErrorLimit (4)',
      measurements: [{ phase: 'Error', message: 'Prometheus is unreachable' }],
    };
    expect(assessRun([erroring]).message).toBe(
      'Metric "m" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4); last measurement: Prometheus is unreachable',
    );
  });

  it('never lets a dry-run metric fail the run, but reports it', () => {
    const run = assessRun(
      [result('real', 'Successful'), result('trial', 'Failed', 'failed (1) > failureLimit (0)', '[0.5]')],
      ['trial'],
    );
    expect(run).toMatchObject({
      phase: 'Successful',
      decidedBy: undefined,
      message:
        'the metric was successful; dry run: Metric "trial" assessed Failed due to failed (1) > failureLimit (0); last value: [0.5]',
    });
    expect(run.runSummary).toEqual({ count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 });
    expect(run.dryRunSummary).toEqual({ count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 });
  });

  it('a failed dry-run metric does not end the run early', () => {
    const run = assessRun([result('real', 'Running'), result('trial', 'Failed', 'why')], new Set(['trial']));
    expect(run.phase).toBe('Running');
    expect(isTerminating([result('real', 'Running'), result('trial', 'Failed')], ['trial'])).toBe(false);
    expect(isTerminating([result('real', 'Error')], ['trial'])).toBe(true);
  });

  it('with only dry-run metrics, succeeds once they finish', () => {
    expect(assessRun([result('trial', 'Inconclusive', 'why')], ['trial'])).toMatchObject({
      phase: 'Successful',
      message: 'only dry-run metrics; dry run: Metric "trial" assessed Inconclusive due to why',
    });
  });

  it('a run without metrics is an Error', () => {
    expect(assessRun([])).toMatchObject({ phase: 'Error', message: 'no metrics to assess' });
  });

  it('a terminated run ends with what is known', () => {
    expect(assessRun([result('a', 'Running')], [], { terminated: true })).toMatchObject({
      phase: 'Successful',
      message: 'run terminated',
    });
    expect(
      assessRun([result('a', 'Running'), result('b', 'Failed', 'why')], [], { terminated: true }).phase,
    ).toBe('Failed');
  });
});
