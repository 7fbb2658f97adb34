import { describe, expect, it } from 'vitest';
import {
  buildJob,
  JOB_METRIC_LABEL,
  JOB_RUN_UID_LABEL,
  jobName,
  jobOutcome,
  labelValue,
} from './job-manifest.ts';

const run = { name: 'web-6d4f-2', namespace: 'shop', uid: 'u-1' };
const template = { spec: { containers: [{ name: 't', image: 'busybox' }], restartPolicy: 'Never' } };

describe('jobName', () => {
  it('is <run>-<metric>-<n>, lower-cased into a DNS label', () => {
    expect(jobName('web-6d4f-2', 'Smoke_Test', 3)).toBe('web-6d4f-2-smoke-test-3');
  });

  it('fits a label value when long, and two long names stay apart', () => {
    const a = jobName('r'.repeat(80), 'metric-a', 1);
    const b = jobName('r'.repeat(80), 'metric-b', 1);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
    expect(a.endsWith('-1')).toBe(true);
  });
});

describe('labelValue', () => {
  it('keeps a valid value and cleans or shortens others', () => {
    expect(labelValue('smoke')).toBe('smoke');
    expect(labelValue('a b')).toMatch(/^a-b-[a-z0-9]+$/);
    expect(labelValue('x'.repeat(70)).length).toBeLessThanOrEqual(63);
  });
});

describe('buildJob', () => {
  it('copies the template metadata, labels the run and metric, and is owned by the run', () => {
    const job = buildJob(
      {
        metadata: { labels: { team: 'a' }, annotations: { note: 'n' } },
        spec: { backoffLimit: 0, template },
      },
      run,
      'smoke',
      2,
    );
    expect(job).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'web-6d4f-2-smoke-2',
        namespace: 'shop',
        labels: { team: 'a', [JOB_RUN_UID_LABEL]: 'u-1', [JOB_METRIC_LABEL]: 'smoke' },
        annotations: { note: 'n' },
        ownerReferences: [{ kind: 'AnalysisRun', name: 'web-6d4f-2', uid: 'u-1', controller: true }],
      },
      spec: { backoffLimit: 0, template },
    });
  });

  it('refuses a spec without a pod template, naming the field', () => {
    expect(() => buildJob({ spec: { backoffLimit: 1 } }, run, 'smoke', 1)).toThrow(
      'job.spec.template is required',
    );
    expect(() => buildJob({}, run, 'smoke', 1)).toThrow('job.spec is required');
  });
});

describe('jobOutcome', () => {
  const job = (conditions: unknown[]) => ({ metadata: { name: 'j' }, status: { conditions } });

  it('is Running until the Job completes or fails', () => {
    expect(jobOutcome(job([]))).toEqual({ phase: 'Running' });
    expect(jobOutcome(job([{ type: 'Complete', status: 'True' }]))).toEqual({
      phase: 'Successful',
      message: 'job j completed',
    });
    expect(
      jobOutcome(
        job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'too many' }]),
      ),
    ).toEqual({ phase: 'Failed', message: 'job j failed: BackoffLimitExceeded: too many' });
  });
});
