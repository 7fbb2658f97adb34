import { describe, expect, it } from 'vitest';
import { aggregateHealth, assessHealth, type ObjectHealth } from './health.ts';

type Obj = Parameters<typeof assessHealth>[0];

const deployment = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2): Obj => ({
  kind: 'Deployment',
  metadata: { generation },
  spec,
  status: { observedGeneration: generation, ...status },
});

describe('assessHealth', () => {
  it('is Missing for an object that is not there, Progressing for one being deleted', () => {
    expect(assessHealth(undefined)).toEqual({ status: 'Missing', message: 'not found in the cluster' });
    expect(
      assessHealth({ kind: 'ConfigMap', metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }),
    ).toEqual({ status: 'Progressing', message: 'being deleted' });
  });

  describe('Deployment', () => {
    it.each([
      [
        'all replicas updated and available',
        deployment({ replicas: 3 }, { replicas: 3, updatedReplicas: 3, availableReplicas: 3 }),
        { status: 'Healthy', message: '3/3 replicas available' },
      ],
      [
        'the controller has not seen the new generation',
        deployment(
          { replicas: 3 },
          { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 },
        ),
        { status: 'Progressing', message: 'waiting for the controller to observe the change' },
      ],
      [
        'replicas still being updated',
        deployment({ replicas: 3 }, { replicas: 4, updatedReplicas: 1, availableReplicas: 3 }),
        { status: 'Progressing', message: '1/3 replicas updated' },
      ],
      [
        'old replicas still terminating',
        deployment({ replicas: 3 }, { replicas: 4, updatedReplicas: 3, availableReplicas: 3 }),
        { status: 'Progressing', message: '1 old replicas pending termination' },
      ],
      [
        'updated replicas not yet available',
        deployment({ replicas: 3 }, { replicas: 3, updatedReplicas: 3, availableReplicas: 2 }),
        { status: 'Progressing', message: '2/3 replicas available' },
      ],
      [
        'the progress deadline passed',
        deployment(
          { replicas: 3 },
          {
            replicas: 3,
            updatedReplicas: 1,
            conditions: [
              {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
                message: 'ReplicaSet "web-1" has timed out progressing.',
              },
            ],
          },
        ),
        { status: 'Degraded', message: 'ReplicaSet "web-1" has timed out progressing.' },
      ],
      [
        'one replica by default',
        deployment({}, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
        { status: 'Healthy', message: '1/1 replicas available' },
      ],
      [
        'scaled to zero',
        deployment({ replicas: 0 }, {}),
        { status: 'Healthy', message: '0/0 replicas available' },
      ],
      [
        'no status yet',
        { kind: 'Deployment', metadata: { generation: 1 }, spec: { replicas: 2 } },
        { status: 'Progressing', message: '0/2 replicas updated' },
      ],
    ] as const)('%s', (_, o, expected) => {
      expect(assessHealth(o)).toEqual(expected);
    });
  });

  it('judges a StatefulSet by ready replicas when availableReplicas is absent', () => {
    const sts = (ready: number): Obj => ({
      kind: 'StatefulSet',
      spec: { replicas: 2 },
      status: { replicas: 2, updatedReplicas: 2, readyReplicas: ready },
    });
    expect(assessHealth(sts(2))).toEqual({ status: 'Healthy', message: '2/2 replicas available' });
    expect(assessHealth(sts(1))).toEqual({ status: 'Progressing', message: '1/2 replicas available' });
  });

  it('judges a ReplicaSet, which has no updatedReplicas, by its replicas', () => {
    const rs = (replicas: number, available: number): Obj => ({
      kind: 'ReplicaSet',
      spec: { replicas: 2 },
      status: { replicas, availableReplicas: available },
    });
    expect(assessHealth(rs(2, 2))).toEqual({ status: 'Healthy', message: '2/2 replicas available' });
    expect(assessHealth(rs(1, 1))).toEqual({ status: 'Progressing', message: '1/2 replicas updated' });
  });

  it('judges a DaemonSet by scheduled, updated and available pods', () => {
    const ds = (status: Record<string, unknown>, generation = 1): Obj => ({
      kind: 'DaemonSet',
      metadata: { generation },
      status: { observedGeneration: 1, ...status },
    });
    expect(
      assessHealth(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })),
    ).toEqual({ status: 'Healthy', message: '3/3 available' });
    expect(
      assessHealth(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 })),
    ).toEqual({ status: 'Progressing', message: '3/3 available, 2 updated' });
    expect(
      assessHealth(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 })),
    ).toEqual({ status: 'Progressing', message: '1/3 available, 3 updated' });
    expect(assessHealth(ds({ desiredNumberScheduled: 3 }, 2)).message).toBe(
      'waiting for the controller to observe the change',
    );
  });

  it.each([
    [{ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, 'Healthy', 'ready'],
    [{ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 'Progressing', 'phase Running'],
    [{}, 'Progressing', 'phase Pending'],
    [{ phase: 'Succeeded' }, 'Healthy', 'completed'],
    [{ phase: 'Failed', message: 'OOMKilled' }, 'Degraded', 'OOMKilled'],
    [{ phase: 'Failed' }, 'Degraded', 'pod failed'],
  ])('Pod %j is %s', (status, health, message) => {
    expect(assessHealth({ kind: 'Pod', status })).toEqual({ status: health, message });
  });

  it.each([
    [[{ type: 'Complete', status: 'True' }], 'Healthy', 'complete'],
    [
      [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }],
      'Degraded',
      'job failed: BackoffLimitExceeded',
    ],
    [[{ type: 'Failed', status: 'True' }], 'Degraded', 'job failed'],
    [[{ type: 'Failed', status: 'False' }], 'Progressing', 'running'],
    [[], 'Progressing', 'running'],
  ])('Job with conditions %j is %s', (conditions, health, message) => {
    expect(assessHealth({ kind: 'Job', status: { conditions } })).toEqual({ status: health, message });
  });

  it('judges a PersistentVolumeClaim by its phase', () => {
    expect(assessHealth({ kind: 'PersistentVolumeClaim', status: { phase: 'Bound' } })).toEqual({
      status: 'Healthy',
      message: 'bound',
    });
    expect(assessHealth({ kind: 'PersistentVolumeClaim', status: {} })).toEqual({
      status: 'Progressing',
      message: 'phase Pending',
    });
  });

  it('waits for a LoadBalancer Service to get an address; other Services are healthy', () => {
    expect(assessHealth({ kind: 'Service', spec: { type: 'ClusterIP' } }).status).toBe('Healthy');
    expect(assessHealth({ kind: 'Service', spec: {} }).status).toBe('Healthy');
    expect(assessHealth({ kind: 'Service', spec: { type: 'LoadBalancer' }, status: {} })).toEqual({
      status: 'Progressing',
      message: 'waiting for a load balancer address',
    });
    expect(
      assessHealth({
        kind: 'Service',
        spec: { type: 'LoadBalancer' },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
      }),
    ).toEqual({ status: 'Healthy', message: 'load balancer ready' });
  });

  it.each([
    [{ phase: 'Healthy' }, 'Healthy', 'rollout complete'],
    [{ phase: 'Healthy', message: 'all good' }, 'Healthy', 'all good'],
    [
      { phase: 'Degraded', message: 'RolloutAborted: metric failed' },
      'Degraded',
      'RolloutAborted: metric failed',
    ],
    [{ phase: 'Degraded' }, 'Degraded', 'rollout aborted'],
    [{ phase: 'Paused', message: 'CanaryPauseStep' }, 'Progressing', 'CanaryPauseStep'],
    [{ phase: 'Progressing' }, 'Progressing', 'rollout Progressing'],
    [{}, 'Progressing', 'rollout starting'],
  ])('Rollout %j is %s', (status, health, message) => {
    expect(
      assessHealth({
        kind: 'Rollout',
        metadata: { generation: 1 },
        status: { observedGeneration: 1, ...status },
      }),
    ).toEqual({ status: health, message });
  });

  it('waits for the rollout controller to observe a new Rollout generation', () => {
    expect(
      assessHealth({
        kind: 'Rollout',
        metadata: { generation: 2 },
        status: { observedGeneration: 1, phase: 'Healthy' },
      }),
    ).toEqual({ status: 'Progressing', message: 'waiting for the rollout controller' });
  });

  describe('other kinds', () => {
    const ready = (...conditions: Record<string, string>[]): Obj => ({
      kind: 'Application',
      status: { conditions },
    });

    it('are healthy when they exist and have no Ready condition', () => {
      expect(assessHealth({ kind: 'ConfigMap' })).toEqual({ status: 'Healthy', message: 'exists' });
    });

    it('follow their Ready condition, Stalled meaning Degraded', () => {
      expect(
        assessHealth(ready({ type: 'Ready', status: 'True', message: 'Applied revision main@sha1:abc' })),
      ).toEqual({
        status: 'Healthy',
        message: 'Applied revision main@sha1:abc',
      });
      expect(assessHealth(ready({ type: 'Ready', status: 'True' }))).toEqual({
        status: 'Healthy',
        message: 'ready',
      });
      expect(assessHealth(ready({ type: 'Ready', status: 'Unknown', message: 'reconciling' }))).toEqual({
        status: 'Progressing',
        message: 'reconciling',
      });
      expect(assessHealth(ready({ type: 'Ready', status: 'False' }))).toEqual({
        status: 'Progressing',
        message: 'not ready',
      });
      expect(
        assessHealth(
          ready(
            { type: 'Ready', status: 'False', message: 'x' },
            { type: 'Stalled', status: 'True', message: 'bad spec' },
          ),
        ),
      ).toEqual({ status: 'Degraded', message: 'bad spec' });
    });
  });
});

describe('aggregateHealth', () => {
  const h = (status: ObjectHealth['status'], message = status.toLowerCase()): ObjectHealth => ({
    status,
    message,
  });

  it('is healthy when every object is, and counts them', () => {
    expect(aggregateHealth([])).toEqual({ status: 'Healthy', message: '0 objects healthy' });
    expect(
      aggregateHealth([
        { id: 'apps_web_apps_Deployment', health: h('Healthy') },
        { id: 'apps_cfg__ConfigMap', health: h('Healthy') },
      ]),
    ).toEqual({ status: 'Healthy', message: '2 objects healthy' });
  });

  it('takes the worst object and names it: Degraded over Missing over Progressing over Unknown', () => {
    const items = [
      { id: 'apps_a__ConfigMap', health: h('Unknown') },
      { id: 'apps_web_apps_Deployment', health: h('Progressing', '1/3 replicas available') },
      { id: '_team__Namespace', health: h('Missing', 'not found in the cluster') },
      { id: 'apps_job_batch_Job', health: h('Degraded', 'BackoffLimitExceeded') },
      { id: 'apps_b__ConfigMap', health: h('Healthy') },
    ];
    expect(aggregateHealth(items)).toEqual({
      status: 'Degraded',
      message: 'Job apps/job: BackoffLimitExceeded',
    });
    expect(aggregateHealth(items.filter((i) => i.health.status !== 'Degraded'))).toEqual({
      status: 'Missing',
      message: 'Namespace team: not found in the cluster',
    });
    expect(aggregateHealth(items.slice(0, 2))).toEqual({
      status: 'Progressing',
      message: 'Deployment apps/web: 1/3 replicas available',
    });
    expect(aggregateHealth(items.slice(0, 1)).status).toBe('Unknown');
  });

  it('names the first of several equally bad objects', () => {
    expect(
      aggregateHealth([
        { id: 'apps_one__Pod', health: h('Degraded', 'first') },
        { id: 'apps_two__Pod', health: h('Degraded', 'second') },
      ]),
    ).toEqual({ status: 'Degraded', message: 'Pod apps/one: first' });
  });
});
