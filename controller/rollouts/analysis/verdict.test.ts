import { describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../api/analysis.ts';
import { decidingMetric, describeRun, effectOf, runStatus } from './verdict.ts';

const run = (status: AnalysisRun['status']): AnalysisRun => ({
  metadata: { name: 'web-h2-1' },
  spec: { metrics: [] },
  status,
});

describe('AnalysisRun verdicts', () => {
  it('Failed and Error abort, Inconclusive pauses', () => {
    expect(effectOf('Failed')).toBe('abort');
    expect(effectOf('Error')).toBe('abort');
    expect(effectOf('Inconclusive')).toBe('pause');
    expect(effectOf('Running')).toBe('none');
    expect(effectOf(undefined)).toBe('none');
  });

  it('names the failed metric and its value', () => {
    const r = run({
      phase: 'Failed',
      metricResults: [
        { name: 'latency', phase: 'Successful', measurements: [{ phase: 'Successful', value: '120' }] },
        {
          name: 'error-rate',
          phase: 'Failed',
          measurements: [
            { phase: 'Successful', value: '0.01' },
            { phase: 'Failed', value: '0.12' },
          ],
        },
      ],
    });
    expect(decidingMetric(r)).toEqual({ name: 'error-rate', phase: 'Failed', value: '0.12' });
    expect(describeRun(r, 'step 2')).toBe(
      'step 2 analysis web-h2-1 Failed: metric "error-rate" failed with value 0.12',
    );
  });

  it('ignores dry-run metrics and falls back to the run message', () => {
    const r = run({
      phase: 'Error',
      message: 'provider unreachable',
      metricResults: [{ name: 'x', phase: 'Failed', dryRun: true }],
    });
    expect(describeRun(r, 'background')).toBe('background analysis web-h2-1 Error: provider unreachable');
    expect(runStatus(r)).toEqual({ name: 'web-h2-1', status: 'Error', message: 'provider unreachable' });
    expect(runStatus(run(undefined))).toEqual({ name: 'web-h2-1', status: 'Pending' });
  });
});
