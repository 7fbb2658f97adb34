// Carries out spec.restartAt (see restart-plan.ts): reads the Rollout's pods only while a
// restart is pending, evicts one, and records status.restartedAt when every pod is newer.
// Pods are listed from the API server's watch cache (resourceVersion "0") rather than kept
// in an informer: a restart is rare, and a pod cache would hold every pod of every Rollout.

import type { Condition } from '../../api/meta.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { core, type KubeObject } from '../../kube/resources.ts';
import { isTrue } from '../../runtime/conditions.ts';
import { hashOf, type ReplicaSet } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { formatSelector } from '../validate.ts';
import { planRestart, type RestartReplicaSet, restartPending } from './restart-plan.ts';

/** How soon to look again while a ReplicaSet replaces an evicted pod. */
const REPLACE_POLL_MS = 2_000;

export async function restartPods(sync: RolloutSync, api: ObjectApi): Promise<void> {
  const { ro, ctx, now, status } = sync;
  const restartAt = ro.spec.restartAt;
  if (!restartPending(restartAt, status.restartedAt)) return;
  const ns = ro.metadata.namespace ?? '';
  const selector = formatSelector(ro.spec.selector);
  const pods = selector
    ? (await api.list<KubeObject>(core.pods, ns, { labelSelector: selector, resourceVersion: '0' })).items
    : [];
  const ordered = [ctx.stableRS, ctx.newRS, ...[...ctx.olderRSs].reverse()].filter(
    (rs, i, all): rs is ReplicaSet => rs !== undefined && all.indexOf(rs) === i,
  );
  const plan = planRestart({
    restartAt,
    restartedAt: status.restartedAt,
    now,
    midUpdate: ctx.newRS !== undefined && hashOf(ctx.newRS) !== status.stableRS,
    replicaSets: ordered.map((rs) => replicaSetPods(rs, pods)),
  });
  switch (plan.action) {
    case 'none':
      return;
    case 'later':
      sync.requeue(plan.afterMs);
      return;
    case 'wait':
      sync.requeue(REPLACE_POLL_MS);
      return;
    case 'evict':
      if (await api.evict(core.pods, ns, plan.pod)) {
        sync.event(
          'Normal',
          'PodRestarted',
          `restarted pod ${plan.pod} of ReplicaSet ${plan.replicaSet} (spec.restartAt ${restartAt})`,
        );
      }
      sync.requeue(REPLACE_POLL_MS);
      return;
    case 'done':
      status.restartedAt = restartAt;
      sync.event(
        'Normal',
        plan.cancelled ? 'RestartCancelled' : 'RolloutRestarted',
        plan.cancelled
          ? `restart at ${restartAt} not needed: an update is replacing the pods`
          : `every pod is newer than spec.restartAt ${restartAt}`,
      );
  }
}

function replicaSetPods(rs: ReplicaSet, pods: KubeObject[]): RestartReplicaSet {
  const mine = pods.filter((p) =>
    p.metadata.ownerReferences?.some((ref) => ref.controller && ref.uid === rs.metadata.uid),
  );
  const want = rs.spec.replicas ?? 1;
  // The ReplicaSet's status lags behind its pods: both must say every pod is up.
  const up = mine.filter((p) => !p.metadata.deletionTimestamp && podReady(p)).length;
  return {
    name: rs.metadata.name,
    fullyAvailable: (rs.status?.availableReplicas ?? 0) >= want && up >= want,
    pods: mine.map((p) => ({
      name: p.metadata.name,
      createdAt: p.metadata.creationTimestamp ?? '',
      terminating: p.metadata.deletionTimestamp !== undefined,
    })),
  };
}

function podReady(pod: KubeObject): boolean {
  const status = (pod as { status?: { conditions?: Condition[] } }).status;
  return isTrue(status?.conditions, 'Ready');
}
