import { describe, expect, it } from 'vitest';
import { assessHealth } from '../health.ts';
import type { Obj } from './object.ts';

const crashing: Obj = {
  kind: 'Pod',
  metadata: { name: 'web-7d9-x' },
  status: {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      },
    ],
  },
};
const running: Obj = {
  kind: 'Pod',
  metadata: { name: 'web-7d9-y' },
  status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }] },
};

const workload = (kind: string, spec: Record<string, unknown>, status: Record<string, unknown>): Obj => ({
  kind,
  metadata: { generation: 1 },
  spec,
  status: { observedGeneration: 1, ...status },
});

describe('workloads with their pods', () => {
  const starting = {
    Deployment: workload(
      'Deployment',
      { replicas: 2 },
      { replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
    ),
    ReplicaSet: workload('ReplicaSet', { replicas: 2 }, { replicas: 2, availableReplicas: 1 }),
    StatefulSet: workload(
      'StatefulSet',
      { replicas: 2 },
      { replicas: 2, updatedReplicas: 1, readyReplicas: 1 },
    ),
    DaemonSet: workload(
      'DaemonSet',
      {},
      { desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 },
    ),
    Rollout: workload('Rollout', {}, { phase: 'Progressing' }),
  };

  it.each(Object.entries(starting))(
    'a %s not yet available is Degraded at once by a crash-looping pod',
    (_, o) => {
      expect(assessHealth(o).status).toBe('Progressing');
      expect(assessHealth(o, [running])).toEqual(assessHealth(o));
      expect(assessHealth(o, [running, crashing])).toEqual({
        status: 'Degraded',
        message: 'pod web-7d9-x container app: CrashLoopBackOff (back-off 10s)',
      });
    },
  );

  it('a workload that is available stays Healthy whatever one pod does', () => {
    const ok = workload(
      'Deployment',
      { replicas: 1 },
      { replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    );
    expect(assessHealth(ok, [crashing]).status).toBe('Healthy');
  });

  it('a ReplicaFailure (quota, admission) is Degraded', () => {
    const o = workload(
      'ReplicaSet',
      { replicas: 1 },
      { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'exceeded quota' }] },
    );
    expect(assessHealth(o)).toEqual({ status: 'Degraded', message: 'exceeded quota' });
  });
});

describe('StatefulSet', () => {
  const sts = (spec: Record<string, unknown>, status: Record<string, unknown>) =>
    workload('StatefulSet', { replicas: 4, ...spec }, { replicas: 4, readyReplicas: 4, ...status });

  it.each([
    [
      'a partition: done when the replicas above it are updated',
      sts(
        { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } } },
        { updatedReplicas: 1 },
      ),
      { status: 'Healthy', message: 'partitioned rollout complete: 1/1 replicas updated' },
    ],
    [
      'a partition: progressing below that',
      sts(
        { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        { updatedReplicas: 1 },
      ),
      { status: 'Progressing', message: '1/2 replicas above partition 2 updated' },
    ],
    [
      'no partition: every replica updated',
      sts({}, { updatedReplicas: 3 }),
      { status: 'Progressing', message: '3/4 replicas updated' },
    ],
    [
      'updated, but the new revision not yet current',
      sts({}, { updatedReplicas: 4, currentRevision: 'web-1', updateRevision: 'web-2' }),
      { status: 'Progressing', message: 'waiting for revision web-2 to become current' },
    ],
    [
      'OnDelete: updated only when a person deletes pods',
      sts({ updateStrategy: { type: 'OnDelete' } }, { updatedReplicas: 0 }),
      { status: 'Healthy', message: '4/4 replicas available (updated on delete)' },
    ],
    [
      'not all ready',
      sts({}, { updatedReplicas: 4, readyReplicas: 3 }),
      { status: 'Progressing', message: '3/4 replicas available' },
    ],
  ])('%s', (_, o, expected) => {
    expect(assessHealth(o)).toEqual(expected);
  });
});
