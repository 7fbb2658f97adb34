import { describe, expect, it } from 'vitest';
import { AnalysisSpecError } from './metric-spec.ts';
import {
  DEFAULT_MEASUREMENT_RETENTION,
  matchMetricNames,
  retentionLimits,
  trimMeasurements,
} from './retention.ts';
import type { MeasurementRecord } from './types.ts';

const measurements = (n: number): MeasurementRecord[] =>
  Array.from({ length: n }, (_, i) => ({ phase: 'Successful', value: String(i) }));

describe('trimMeasurements', () => {
  it('keeps the last 10 by default, as Argo', () => {
    expect(DEFAULT_MEASUREMENT_RETENTION).toBe(10);
    const kept = trimMeasurements(measurements(15));
    expect(kept.map((m) => m.value)).toEqual(['5', '6', '7', '8', '9', '10', '11', '12', '13', '14']);
  });

  it('keeps the given number, and everything when there are fewer', () => {
    expect(trimMeasurements(measurements(5), 2).map((m) => m.value)).toEqual(['3', '4']);
    expect(trimMeasurements(measurements(3), 5)).toHaveLength(3);
    expect(trimMeasurements(measurements(12), 0)).toHaveLength(10);
    expect(trimMeasurements([], 3)).toEqual([]);
  });
});

describe('metric name rules', () => {
  const names = ['success-rate', 'error-rate', 'latency'];

  it('match Go regular expressions anywhere in the name', () => {
    expect(matchMetricNames([{ metricName: '.*' }], names)).toEqual(new Set(names));
    expect(matchMetricNames([{ metricName: 'rate' }], names)).toEqual(
      new Set(['success-rate', 'error-rate']),
    );
    expect(matchMetricNames([{ metricName: '^latency$' }, { metricName: 'error' }], names)).toEqual(
      new Set(['latency', 'error-rate']),
    );
  });

  it('a rule that matches nothing, or does not compile, is a spec error', () => {
    expect(() => matchMetricNames([{ metricName: 'nope' }], names)).toThrow(AnalysisSpecError);
    expect(() => matchMetricNames([{ metricName: 'nope' }], names)).toThrow(
      "dryRun[0]: rule didn't match any metric name(s)",
    );
    expect(() => matchMetricNames([{ metricName: '(' }], names)).toThrow(
      'dryRun[0]: invalid metricName pattern: missing closing )',
    );
  });

  it('resolve measurementRetention limits per metric', () => {
    const limits = retentionLimits(
      [
        { metricName: 'rate', limit: 20 },
        { metricName: 'latency', limit: 0 },
      ],
      names,
    );
    expect(limits).toEqual(
      new Map([
        ['success-rate', 20],
        ['error-rate', 20],
        ['latency', 10],
      ]),
    );
    expect(() => retentionLimits([{ metricName: 'x', limit: 5 }], names)).toThrow(
      "measurementRetention[0]: rule didn't match any metric name(s)",
    );
  });
});
