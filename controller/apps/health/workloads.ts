// Deployments, ReplicaSets, StatefulSets, DaemonSets and Rollouts: counted from their
// status, and Degraded at once when one of their pods cannot start (when the caller read
// the pods: only for workloads not yet available, see pod-reader.ts).

import {
  condition,
  degraded,
  healthy,
  num,
  type Obj,
  type ObjectHealth,
  observed,
  progressing,
  WAITING_FOR_CONTROLLER,
} from './object.ts';
import { describeFault, podFault } from './pod-faults.ts';

/** The kinds whose pods are worth reading when they are not yet healthy. */
export const POD_OWNER_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Rollout']);

/** From status alone, then the pods' faults over anything short of Degraded. */
export function workloadHealth(o: Obj, pods: readonly Obj[] | undefined): ObjectHealth {
  const counted = countedHealth(o);
  if (counted.status === 'Healthy' || counted.status === 'Degraded' || !pods) return counted;
  const fault = podFault(pods);
  return fault ? degraded(describeFault(fault)) : counted;
}

function countedHealth(o: Obj): ObjectHealth {
  switch (o.kind) {
    case 'DaemonSet':
      return daemonSetHealth(o);
    case 'StatefulSet':
      return statefulSetHealth(o);
    case 'Rollout':
      return rolloutHealth(o);
    default:
      return replicatedHealth(o);
  }
}

/** Deployment and ReplicaSet. */
function replicatedHealth(o: Obj): ObjectHealth {
  if (!observed(o)) return WAITING_FOR_CONTROLLER;
  const p = condition(o, 'Progressing');
  if (p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded')
    return degraded(p.message ?? 'progress deadline exceeded');
  const failure = condition(o, 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(failure.message ?? 'replica failure');
  const want = num(o.spec?.replicas, 1);
  const updated = num(o.status?.updatedReplicas, o.kind === 'ReplicaSet' ? num(o.status?.replicas) : 0);
  const available = num(o.status?.availableReplicas);
  const total = num(o.status?.replicas);
  if (updated < want) return progressing(`${updated}/${want} replicas updated`);
  if (total > updated) return progressing(`${total - updated} old replicas pending termination`);
  if (available < want) return progressing(`${available}/${want} replicas available`);
  return healthy(`${available}/${want} replicas available`);
}

/**
 * A partitioned rolling update (`updateStrategy.rollingUpdate.partition`) only updates the
 * ordinals at or above the partition: done when `replicas - partition` are updated.
 */
function statefulSetHealth(o: Obj): ObjectHealth {
  if (!observed(o)) return WAITING_FOR_CONTROLLER;
  const want = num(o.spec?.replicas, 1);
  const ready = num(o.status?.availableReplicas, num(o.status?.readyReplicas));
  const strategy = o.spec?.updateStrategy as
    | { type?: string; rollingUpdate?: { partition?: number } }
    | undefined;
  if (ready < want) return progressing(`${ready}/${want} replicas available`);
  if (strategy?.type === 'OnDelete')
    return healthy(`${ready}/${want} replicas available (updated on delete)`);
  const partition = num(strategy?.rollingUpdate?.partition);
  const updated = num(o.status?.updatedReplicas);
  if (partition > 0) {
    const expected = Math.max(0, want - partition);
    return updated < expected
      ? progressing(`${updated}/${expected} replicas above partition ${partition} updated`)
      : healthy(`partitioned rollout complete: ${updated}/${expected} replicas updated`);
  }
  if (updated < want) return progressing(`${updated}/${want} replicas updated`);
  const current = o.status?.currentRevision;
  const update = o.status?.updateRevision;
  if (current !== undefined && update !== undefined && current !== update)
    return progressing(`waiting for revision ${String(update)} to become current`);
  return healthy(`${ready}/${want} replicas available`);
}

function daemonSetHealth(o: Obj): ObjectHealth {
  if (!observed(o)) return WAITING_FOR_CONTROLLER;
  const want = num(o.status?.desiredNumberScheduled);
  const updated = num(o.status?.updatedNumberScheduled);
  const ready = num(o.status?.numberAvailable);
  if ((o.spec?.updateStrategy as { type?: string } | undefined)?.type === 'OnDelete')
    return healthy(`${ready}/${want} available (updated on delete)`);
  return updated >= want && ready >= want
    ? healthy(`${ready}/${want} available`)
    : progressing(`${ready}/${want} available, ${updated} updated`);
}

function rolloutHealth(o: Obj): ObjectHealth {
  if (!observed(o)) return progressing('waiting for the rollout controller');
  const phase = String(o.status?.phase ?? '');
  const message = String(o.status?.message ?? '');
  if (phase === 'Healthy') return healthy(message || 'rollout complete');
  if (phase === 'Degraded') return degraded(message || 'rollout aborted');
  return progressing(message || `rollout ${phase || 'starting'}`);
}
