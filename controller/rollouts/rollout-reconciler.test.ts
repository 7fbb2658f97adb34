// The Rollout reconciler on the shared fake cluster (test/support/fake-cluster.ts), whose
// informer caches hold the same objects its writes change. Step machines, weights and
// conditions have their own tests; this one covers the reconcile around them. The real thing
// is test/e2e/rollout-*.test.ts.

import { beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, quietContext, RecordedEvents } from '../../test/support/fake-cluster.ts';
import { type AnalysisRun, analysisRunResource } from '../api/analysis.ts';
import { type Rollout, rolloutResource } from '../api/rollout.ts';
import { core } from '../kube/resources.ts';
import type { ReplicaSet } from './replica-sets.ts';
import { RolloutReconciler } from './rollout-reconciler.ts';
import type { Service } from './services.ts';

let cluster: FakeCluster;
let events: RecordedEvents;
let reconciler: RolloutReconciler;

function newRollout(
  canary: NonNullable<Rollout['spec']['strategy']['canary']> = { steps: [{ setWeight: 50 }, { pause: {} }] },
): Rollout {
  return cluster.put(rolloutResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:1' }] },
      },
      strategy: { canary },
    },
  } as Rollout);
}

const current = () => cluster.find<Rollout>(rolloutResource, 'shop', 'web') as Rollout;
const reconcile = async (ro: Rollout = current()) =>
  (await reconciler.reconcile(ro, quietContext())).requeueAfterMs;

beforeEach(() => {
  cluster = new FakeCluster();
  events = new RecordedEvents();
  reconciler = new RolloutReconciler({
    api: cluster.api(),
    events,
    rollouts: cluster.informer<Rollout>(rolloutResource),
    replicaSets: cluster.informer<ReplicaSet>(core.replicaSets),
    analysisRuns: cluster.informer<AnalysisRun>(analysisRunResource),
    services: cluster.informer<Service>(core.services),
    now: () => new Date('2025-01-02T03:04:05Z'),
  });
});

describe('RolloutReconciler', () => {
  it('creates the first version at full scale and records its hash', async () => {
    newRollout();
    await reconcile();
    const replicaSets = cluster.list<ReplicaSet>(core.replicaSets);
    expect(replicaSets).toHaveLength(1);
    expect(replicaSets[0]?.spec.replicas).toBe(2);
    const status = current().status;
    expect(status?.currentPodHash).toBe(replicaSets[0]?.metadata.labels?.['rollouts-pod-template-hash']);
    expect(status?.observedGeneration).toBe(1);
    expect(events.reasons).toEqual(['NewReplicaSetCreated']);
  });

  it('stalls with a Degraded status and a Warning when the Deployment it refers to is missing', async () => {
    const ro = newRollout();
    delete ro.spec.template;
    ro.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    cluster.put(rolloutResource, ro);
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'stalling',
      reason: 'WorkloadNotFound',
      retryAfterMs: 10_000,
    });
    expect(current().status).toMatchObject({
      phase: 'Degraded',
      message: 'WorkloadNotFound: Deployment shop/web named in spec.workloadRef does not exist',
    });
    expect(events.list).toEqual([
      {
        type: 'Warning',
        reason: 'WorkloadNotFound',
        note: 'Deployment shop/web named in spec.workloadRef does not exist',
      },
    ]);
  });

  it('never writes over a status it did not read: a person promoting meanwhile is not lost', async () => {
    newRollout();
    const stale = current();
    cluster.api().mergePatch(rolloutResource, 'shop', 'web', { status: { abort: true } }, 'status');
    await expect(reconcile(stale)).rejects.toMatchObject({ code: 409 });
    expect(current().status).toEqual({ abort: true });
  });

  it('waits, writing nothing, until its caches have synced', async () => {
    newRollout();
    const unsynced = Object.assign(cluster.informer<ReplicaSet>(core.replicaSets), { hasSynced: false });
    const waiting = new RolloutReconciler({
      api: cluster.api(),
      events,
      rollouts: cluster.informer<Rollout>(rolloutResource),
      replicaSets: unsynced,
      analysisRuns: cluster.informer<AnalysisRun>(analysisRunResource),
      services: cluster.informer<Service>(core.services),
    });
    await expect(waiting.reconcile(current(), quietContext())).rejects.toMatchObject({
      errorClass: 'waiting',
      reason: 'CachesNotSynced',
    });
    expect(cluster.writes).toEqual([]);
  });
});
