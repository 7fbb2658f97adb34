import { describe, expect, it } from 'vitest';
import type { Rollout, RolloutStatus } from '../../api/rollout.ts';
import type { ReplicaSet } from '../replica-sets.ts';
import { buildReplicaSet } from '../replica-sets.ts';
import { type ConditionsInput, computeConditions, progressDeadline } from './conditions.ts';
import { servingRevisions, stalledStatus } from './finalize.ts';
import { computePhase } from './phase.ts';

const now = new Date('2026-01-01T00:10:00Z');
const rollout = (over: Partial<Rollout['spec']> = {}): Rollout => ({
  metadata: { name: 'web', generation: 3 },
  spec: { replicas: 4, strategy: { canary: { steps: [{ setWeight: 50 }] } }, ...over },
});
const healthy: RolloutStatus = {
  stableRS: 'h1',
  currentPodHash: 'h1',
  replicas: 4,
  updatedReplicas: 4,
  availableReplicas: 4,
};

describe('phase and message', () => {
  it('is Healthy when the stable version runs every pod', () => {
    expect(computePhase({ rollout: rollout(), status: healthy })).toEqual({ phase: 'Healthy', message: '' });
  });
  it('is Progressing mid-update, saying which step', () => {
    const status = { ...healthy, currentPodHash: 'h2', updatedReplicas: 2 };
    expect(computePhase({ rollout: rollout(), status, stepDetail: 'step 1/1: setWeight: 50' })).toEqual({
      phase: 'Progressing',
      message: 'waiting for all steps to complete (step 1/1: setWeight: 50)',
    });
  });
  it('is Paused with what the pause waits for', () => {
    const status = {
      ...healthy,
      currentPodHash: 'h2',
      pauseConditions: [{ reason: 'CanaryPauseStep' as const, startTime: 'x' }],
    };
    expect(
      computePhase({
        rollout: rollout(),
        status,
        pauseDetail: { CanaryPauseStep: 'paused at step 2/3 until promoted' },
      }),
    ).toEqual({ phase: 'Paused', message: 'CanaryPauseStep: paused at step 2/3 until promoted' });
    expect(computePhase({ rollout: rollout({ paused: true }), status: healthy }).phase).toBe('Paused');
  });
  it('is Degraded when aborted, naming the cause and what to do', () => {
    const status = { ...healthy, currentPodHash: 'h2', abort: true };
    const p = computePhase({
      rollout: rollout(),
      status,
      abortMessage: 'metric "errors" failed with value 0.2',
    });
    expect(p.phase).toBe('Degraded');
    expect(p.message).toContain('metric "errors" failed with value 0.2');
    expect(p.message).toContain('Stable h1 keeps serving');
    expect(p.message).toContain('Retry');
  });
  it('waits for the blue-green cutover and post-promotion analysis', () => {
    const ro = rollout({ strategy: { blueGreen: { activeService: 'a' } } });
    const status = { ...healthy, currentPodHash: 'h2', blueGreen: { activeSelector: 'h1' } };
    expect(computePhase({ rollout: ro, status }).message).toBe('active service cutover pending');
    const switched = { ...status, blueGreen: { activeSelector: 'h2' } };
    expect(computePhase({ rollout: ro, status: switched }).message).toBe(
      'waiting for post-promotion analysis to complete',
    );
  });
});

describe('conditions', () => {
  const base: ConditionsInput = {
    previous: undefined,
    generation: 3,
    phase: { phase: 'Healthy', message: '' },
    now,
    progressed: true,
    complete: true,
    paused: false,
    available: true,
    newRSName: 'web-h1',
  };
  const byType = (list: ReturnType<typeof computeConditions>) =>
    Object.fromEntries(list.map((c) => [c.type, c]));

  it('a healthy rollout is Ready, not Reconciling nor Stalled', () => {
    const c = byType(computeConditions(base));
    expect(c.Ready?.status).toBe('True');
    expect(c.Reconciling).toBeUndefined();
    expect(c.Stalled).toBeUndefined();
    expect(c.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(c.Healthy?.status).toBe('True');
    expect(c.Available?.status).toBe('True');
    expect(c.Ready?.observedGeneration).toBe(3);
  });

  it('an aborted rollout is Stalled with the reason', () => {
    const c = byType(
      computeConditions({
        ...base,
        phase: { phase: 'Degraded', message: 'm' },
        complete: false,
        abortMessage: 'boom',
      }),
    );
    expect(c.Stalled).toMatchObject({ status: 'True', reason: 'RolloutAborted' });
    expect(c.Progressing).toMatchObject({ status: 'False', reason: 'RolloutAborted', message: 'boom' });
    expect(c.Ready?.status).toBe('False');
  });

  it('a paused rollout is Reconciling and Paused', () => {
    const c = byType(
      computeConditions({ ...base, phase: { phase: 'Paused', message: 'p' }, complete: false, paused: true }),
    );
    expect(c.Reconciling).toMatchObject({ status: 'True', reason: 'RolloutPaused' });
    expect(c.Paused?.status).toBe('True');
    expect(c.Progressing?.status).toBe('Unknown');
  });

  it('moves the Progressing time forward on progress only', () => {
    const earlier = [
      {
        type: 'Progressing',
        status: 'True' as const,
        reason: 'ReplicaSetUpdated',
        message: 'm',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
    const progressing = {
      ...base,
      previous: earlier,
      complete: false,
      phase: { phase: 'Progressing' as const, message: 'x' },
    };
    expect(
      byType(computeConditions({ ...progressing, progressed: false })).Progressing?.lastTransitionTime,
    ).toBe('2026-01-01T00:00:00Z');
    expect(byType(computeConditions(progressing)).Progressing?.lastTransitionTime).toBe(
      '2026-01-01T00:10:00Z',
    );
  });
});

describe('progressDeadline', () => {
  const progressing = (at: string) => [
    {
      type: 'Progressing',
      status: 'True' as const,
      reason: 'ReplicaSetUpdated',
      message: 'm',
      lastTransitionTime: at,
    },
  ];
  it('says how long remains, then that time is up', () => {
    expect(
      progressDeadline({
        previous: progressing('2026-01-01T00:09:00Z'),
        deadlineSeconds: 600,
        now,
        exempt: false,
      }),
    ).toEqual({
      remainingMs: 540_000,
    });
    const late = progressDeadline({
      previous: progressing('2026-01-01T00:00:00Z'),
      deadlineSeconds: 600,
      now,
      exempt: false,
      newRSName: 'web-h2',
    });
    expect(late.timedOut).toBe('ReplicaSet "web-h2" has timed out progressing (no progress for 600s)');
  });
  it('does not count pauses and analysis', () => {
    expect(
      progressDeadline({
        previous: progressing('2026-01-01T00:00:00Z'),
        deadlineSeconds: 600,
        now,
        exempt: true,
      }),
    ).toEqual({});
  });
});

describe('stalledStatus', () => {
  const rs = (hash: string, ready: number) => ({
    metadata: { name: `web-${hash}`, labels: { 'rollouts-pod-template-hash': hash } },
    spec: { replicas: ready, selector: {}, template: {} },
    status: { replicas: ready, readyReplicas: ready, availableReplicas: ready },
  });
  it('reports the pods the ReplicaSets run, not 0 ready, when routing fails on the first pass', () => {
    const first = rs('h1', 4);
    const st = stalledStatus(
      { ro: rollout(), now, ctx: { allRSs: [first], newRS: first } as never },
      'TrafficSplitNotServed',
      'the cluster does not serve split.smi-spec.io TrafficSplit',
    );
    expect(st).toMatchObject({ replicas: 4, readyReplicas: 4, availableReplicas: 4, updatedReplicas: 4 });
    expect(st.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'TrafficSplitNotServed',
    });
  });
  it('keeps the last counts when it stalls before reading the ReplicaSets', () => {
    const ro = { ...rollout(), status: healthy };
    expect(stalledStatus({ ro, now }, 'InvalidSpec', 'bad').availableReplicas).toBe(4);
  });
});

describe('serving revisions', () => {
  const stamped = (revision: string): Rollout => ({
    ...rollout(),
    metadata: { name: 'web', namespace: 'ns', annotations: { 'sluice.dev/revision': revision } },
  });
  const rs = (hash: string, revision: string): ReplicaSet => buildReplicaSet(stamped(revision), hash, 1, 1);
  const all = [rs('h1', 'main@sha1:aaa'), rs('h2', 'main@sha1:bbb')];

  it("records the Rollout's source revision on the ReplicaSet it creates, never in the pod template", () => {
    const created = all[0] as ReplicaSet;
    expect(created.metadata.annotations?.['sluice.dev/source-revision']).toBe('main@sha1:aaa');
    expect(created.metadata.annotations?.['sluice.dev/revision']).toBe('1');
    expect(JSON.stringify(created.spec.template)).not.toContain('main@sha1');
  });
  it('names the stable revision, and the canary while it is not stable', () => {
    expect(servingRevisions(all, { stableRS: 'h1', currentPodHash: 'h2' })).toEqual({
      stableRevision: 'main@sha1:aaa',
      canaryRevision: 'main@sha1:bbb',
    });
    expect(servingRevisions(all, { stableRS: 'h2', currentPodHash: 'h2' })).toEqual({
      stableRevision: 'main@sha1:bbb',
      canaryRevision: undefined,
    });
  });
});
