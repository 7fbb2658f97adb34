import { describe, expect, it } from 'vitest';
import { assessHealth } from '../health.ts';

describe('Job', () => {
  it.each([
    [
      'failed: its reason and message',
      {
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ],
      },
      {
        status: 'Degraded',
        message: 'job failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
      },
    ],
    [
      'complete',
      { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 },
      { status: 'Healthy', message: 'complete' },
    ],
    ['running', { active: 1 }, { status: 'Progressing', message: 'running: 1 active' }],
  ])('%s', (_, status, expected) => {
    expect(assessHealth({ kind: 'Job', spec: {}, status })).toEqual(expected);
  });

  it('a suspended Job is Healthy', () => {
    expect(assessHealth({ kind: 'Job', spec: { suspend: true }, status: {} })).toEqual({
      status: 'Healthy',
      message: 'suspended',
    });
  });
});

describe('CronJob', () => {
  const cron = (spec: Record<string, unknown>, status: Record<string, unknown>) =>
    assessHealth({ kind: 'CronJob', spec: { schedule: '* * * * *', ...spec }, status });

  it.each([
    [
      'suspended',
      cron({ suspend: true }, { lastScheduleTime: '2026-01-01T00:05:00Z' }),
      'Healthy',
      'suspended',
    ],
    ['never scheduled', cron({}, {}), 'Healthy', 'no job scheduled yet'],
    [
      'a job running',
      cron({}, { active: [{ name: 'j' }], lastScheduleTime: '2026-01-01T00:05:00Z' }),
      'Healthy',
      '1 jobs running',
    ],
    [
      'the last scheduled job succeeded',
      cron({}, { lastScheduleTime: '2026-01-01T00:05:00Z', lastSuccessfulTime: '2026-01-01T00:05:30Z' }),
      'Healthy',
      'last job succeeded at 2026-01-01T00:05:30Z',
    ],
    [
      'the last scheduled job did not succeed',
      cron({}, { lastScheduleTime: '2026-01-01T00:05:00Z', lastSuccessfulTime: '2026-01-01T00:04:10Z' }),
      'Degraded',
      'the job scheduled at 2026-01-01T00:05:00Z did not succeed',
    ],
    [
      'no job ever succeeded',
      cron({}, { lastScheduleTime: '2026-01-01T00:05:00Z' }),
      'Degraded',
      'the job scheduled at 2026-01-01T00:05:00Z did not succeed',
    ],
  ])('%s', (_, health, status, message) => {
    expect(health).toEqual({ status, message });
  });
});
