import { describe, expect, it } from 'vitest';
import { MetricSpecError } from './metric-spec.ts';
import { nextMeasurementAt } from './schedule.ts';
import type { MeasurementRecord, MetricSpec } from './types.ts';

const now = new Date('2026-01-01T12:00:00Z');
const at = (iso: string): Date => new Date(iso);
const finished = (phase: MeasurementRecord['phase'], finishedAt: string): MeasurementRecord => ({
  phase,
  finishedAt,
});

describe('nextMeasurementAt', () => {
  const every: MetricSpec = { name: 'm', interval: '1m30s', count: 3 };

  it('measures at once when nothing was measured and there is no delay', () => {
    expect(nextMeasurementAt({ name: 'm' }, { measurements: [] }, now)).toEqual(now);
  });

  it('waits initialDelay from the run start', () => {
    const metric: MetricSpec = { name: 'm', initialDelay: '5m' };
    expect(
      nextMeasurementAt(metric, { measurements: [] }, now, { runStartedAt: '2026-01-01T11:58:00Z' }),
    ).toEqual(at('2026-01-01T12:03:00Z'));
    expect(
      nextMeasurementAt(metric, { measurements: [] }, now, { runStartedAt: at('2026-01-01T11:00:00Z') }),
    ).toEqual(at('2026-01-01T11:05:00Z'));
  });

  it('measures one interval after the last measurement finished', () => {
    const progress = { measurements: [finished('Successful', '2026-01-01T11:59:30Z')] };
    expect(nextMeasurementAt(every, progress, now)).toEqual(at('2026-01-01T12:01:00Z'));
  });

  it('retries 10 seconds after an error, whatever the interval', () => {
    const progress = { measurements: [finished('Error', '2026-01-01T11:59:55Z')] };
    expect(nextMeasurementAt(every, progress, now)).toEqual(at('2026-01-01T12:00:05Z'));
    expect(nextMeasurementAt({ name: 'm' }, progress, now)).toEqual(at('2026-01-01T12:00:05Z'));
  });

  it('stops once count measurements are taken, errors not counted', () => {
    const three = ['11:57:00', '11:58:00', '11:59:00'].map((t) => finished('Successful', `2026-01-01T${t}Z`));
    expect(nextMeasurementAt(every, { measurements: three }, now)).toBeUndefined();
    const withError = [...three.slice(0, 2), finished('Error', '2026-01-01T11:59:00Z')];
    expect(nextMeasurementAt(every, { measurements: withError }, now)).toEqual(at('2026-01-01T11:59:10Z'));
    expect(
      nextMeasurementAt(every, { measurements: three.slice(0, 1), counts: { count: 3 } }, now),
    ).toBeUndefined();
  });

  it('a single-shot metric is done after one measurement', () => {
    expect(
      nextMeasurementAt({ name: 'm' }, { measurements: [finished('Failed', '2026-01-01T11:59:00Z')] }, now),
    ).toBeUndefined();
  });

  it('never schedules a completed metric', () => {
    const progress = { phase: 'Failed' as const, measurements: [finished('Failed', '2026-01-01T11:59:00Z')] };
    expect(nextMeasurementAt({ name: 'm', interval: '1m' }, progress, now)).toBeUndefined();
  });

  it('resumes an in-flight measurement when asked, or at once', () => {
    expect(nextMeasurementAt(every, { measurements: [{ phase: 'Running' }] }, now)).toEqual(now);
    expect(
      nextMeasurementAt(
        every,
        { measurements: [{ phase: 'Running', resumeAt: '2026-01-01T12:00:20Z' }] },
        now,
      ),
    ).toEqual(at('2026-01-01T12:00:20Z'));
  });

  it('a metric without count keeps going', () => {
    const progress = { measurements: [finished('Successful', '2026-01-01T11:00:00Z')] };
    expect(nextMeasurementAt({ name: 'm', interval: '500ms' }, progress, now)).toEqual(
      at('2026-01-01T11:00:00.500Z'),
    );
  });

  it('rejects invalid specs and times', () => {
    expect(() => nextMeasurementAt({ name: 'm', interval: '1 minute' }, { measurements: [] }, now)).toThrow(
      MetricSpecError,
    );
    expect(() =>
      nextMeasurementAt(every, { measurements: [finished('Successful', 'yesterday')] }, now),
    ).toThrow(/finishedAt "yesterday" is not a valid time/);
  });
});
