// Writes shared by both strategies: the new ReplicaSet for the desired template, its
// revision, and the revision history limit.

import { ROLLOUT_DEFAULTS } from '../api/rollout.ts';
import { maxRevision } from './context.ts';
import { SCALE_DOWN_DEADLINE_ANNOTATION } from './labels.ts';
import { newReplicaSetExtras } from './pod-extras/sync-pod-extras.ts';
import {
  buildReplicaSet,
  createReplicaSet,
  deleteReplicaSet,
  HashCollisionError,
  patchReplicaSet,
  type ReplicaSet,
  revisionOf,
} from './replica-sets.ts';
import type { RolloutSync } from './rollout-sync.ts';

/**
 * The ReplicaSet of the desired template, created when missing. A ReplicaSet brought back by a
 * rollback gets the next revision, as Deployments do. Returns undefined after a hash collision
 * (status.collisionCount is bumped, and the next reconcile tries another name).
 */
export async function ensureNewReplicaSet(
  sync: RolloutSync,
  initialReplicas: number,
): Promise<ReplicaSet | undefined> {
  const { ctx, ro } = sync;
  const others = ctx.allRSs.filter((rs) => rs !== ctx.newRS);
  const nextRevision = maxRevision(others) + 1;
  if (ctx.newRS) {
    const rs = ctx.newRS;
    const minReady = ro.spec.minReadySeconds ?? 0;
    const revision = revisionOf(rs) < nextRevision ? nextRevision : undefined;
    if (revision !== undefined || (rs.spec.minReadySeconds ?? 0) !== minReady) {
      sync.deps.observeReplicaSet?.(
        await patchReplicaSet(sync.api, rs, { revision, minReadySeconds: minReady }),
      );
    }
    return rs;
  }
  const rs = buildReplicaSet(
    ro,
    ctx.newHash,
    initialReplicas,
    nextRevision,
    newReplicaSetExtras(ro, sync.status, ctx.newHash),
  );
  try {
    const created = await createReplicaSet(sync.api, ro, rs);
    sync.deps.observeReplicaSet?.(created);
    ctx.newRS = created;
    ctx.allRSs.push(created);
    sync.event(
      'Normal',
      'NewReplicaSetCreated',
      `Created ReplicaSet ${created.metadata.name} (revision ${nextRevision}) with ${initialReplicas} replicas`,
    );
    return created;
  } catch (err) {
    if (!(err instanceof HashCollisionError)) throw err;
    sync.status.collisionCount = (sync.status.collisionCount ?? 0) + 1;
    sync.event(
      'Warning',
      'HashCollision',
      `${err.message}; using collision count ${sync.status.collisionCount}`,
    );
    sync.requeue(0);
    return undefined;
  }
}

/** Deletes the oldest scaled-down ReplicaSets beyond spec.revisionHistoryLimit. */
export async function trimReplicaSetHistory(sync: RolloutSync): Promise<void> {
  const limit = sync.ro.spec.revisionHistoryLimit ?? ROLLOUT_DEFAULTS.revisionHistoryLimit;
  const idle = sync.ctx.olderRSs
    .filter((rs) => (rs.spec.replicas ?? 1) === 0 && (rs.status?.replicas ?? 0) === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
    await deleteReplicaSet(sync.api, rs);
    sync.deps.log.info({ replicaSet: rs.metadata.name }, 'deleted ReplicaSet beyond revisionHistoryLimit');
  }
}

/**
 * Whether the update now starting goes back to a version that may skip steps and analysis:
 * within spec.rollbackWindow revisions of the stable one, or still running because of its
 * scale-down delay. Decided once, from revisions, before the returning ReplicaSet is given a new
 * one; the caller records the answer as status.promoteFull.
 */
export function fastRollbackReason(sync: RolloutSync): string | undefined {
  const { newRS, stableRS, allRSs } = sync.ctx;
  if (!newRS || !stableRS || newRS === stableRS) return undefined;
  const [from, to] = [revisionOf(newRS), revisionOf(stableRS)];
  if (from >= to) return undefined;
  if (newRS.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION]) {
    return `going back to ${newRS.metadata.name}, still running within its scale-down delay`;
  }
  const window = sync.ro.spec.rollbackWindow?.revisions ?? 0;
  const between = allRSs.filter((rs) => revisionOf(rs) > from && revisionOf(rs) < to).length;
  if (window > 0 && between < window)
    return `going back to revision ${from}, within rollbackWindow (${window})`;
  return undefined;
}
