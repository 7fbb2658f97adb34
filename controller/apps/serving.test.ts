import { describe, expect, it } from 'vitest';
import type { Obj } from './health/object.ts';
import { rollbackOf, servingOf } from './serving.ts';

const rollout = (status: Record<string, unknown>): Obj => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'ns', annotations: { 'sluice.dev/revision': 'main@sha1:v3' } },
  status,
});

const aborted = rollout({
  phase: 'Degraded',
  abort: true,
  stableRevision: 'main@sha1:v2',
  canaryRevision: 'main@sha1:v3',
  conditions: [
    {
      type: 'Progressing',
      status: 'False',
      reason: 'RolloutAborted',
      message: 'step 1 analysis web-abc-1 Failed: metric "error-rate" failed with value 0.4',
    },
  ],
});

describe('serving', () => {
  it('lists the Rollouts with the revisions they serve, and nothing else', () => {
    const cm: Obj = { kind: 'ConfigMap', metadata: { name: 'c' } };
    expect(servingOf([cm, undefined, rollout({ phase: 'Healthy', stableRevision: 'main@sha1:v2' })])).toEqual(
      [
        {
          kind: 'Rollout',
          namespace: 'ns',
          name: 'web',
          revision: 'main@sha1:v3',
          stableRevision: 'main@sha1:v2',
          phase: 'Healthy',
        },
      ],
    );
  });

  it('tells an abort as the revision rolled back, why, and what serves instead', () => {
    const report = rollbackOf([aborted]);
    expect(report?.message).toBe(
      'revision main@sha1:v3 was rolled back by Rollout web: step 1 analysis web-abc-1 Failed: metric "error-rate" failed with value 0.4; serving revision main@sha1:v2',
    );
    expect(servingOf([aborted])[0]?.aborted).toBe(true);
  });

  it('has nothing to tell while no Rollout is aborted', () => {
    expect(rollbackOf([rollout({ phase: 'Progressing', canaryRevision: 'main@sha1:v4' })])).toBeUndefined();
  });
});
