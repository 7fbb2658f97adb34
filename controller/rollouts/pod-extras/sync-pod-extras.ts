// Keeps each ReplicaSet's extras (pod-extras.ts) in step with the part it plays after this
// reconcile's decisions: a canary promoted to stable trades canaryMetadata for
// stableMetadata on its template and on its running pods, and drops its anti-affinity.

import type { Rollout, RolloutStatus } from '../../api/rollout.ts';
import { core, type KubeObject } from '../../kube/resources.ts';
import type { RolloutContext } from '../context.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../labels.ts';
import { hashOf, type ReplicaSet } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import {
  EPHEMERAL_METADATA_ANNOTATION,
  extrasChange,
  type PodExtras,
  podExtras,
  type ReplicaSetRole,
  recordOf,
} from './pod-extras.ts';

function usesExtras(ro: Rollout): boolean {
  const { canary, blueGreen } = ro.spec.strategy;
  return Boolean(
    canary?.canaryMetadata ||
      canary?.stableMetadata ||
      canary?.antiAffinity ||
      blueGreen?.activeMetadata ||
      blueGreen?.previewMetadata ||
      blueGreen?.antiAffinity,
  );
}

/** The hash the newcomers keep away from: the stable pods (blue-green: the active ones). */
function servingHash(ro: Rollout, status: RolloutStatus): string | undefined {
  return ro.spec.strategy.blueGreen ? (status.blueGreen?.activeSelector ?? status.stableRS) : status.stableRS;
}

function roleOf(ro: Rollout, hash: string | undefined, serving: string | undefined): ReplicaSetRole {
  const isServing = serving === undefined || hash === serving;
  if (ro.spec.strategy.blueGreen) return isServing ? 'active' : 'preview';
  return isServing ? 'stable' : 'canary';
}

/** The extras a ReplicaSet about to be created for the new template gets. */
export function newReplicaSetExtras(
  ro: Rollout,
  status: RolloutStatus,
  newHash: string,
): PodExtras | undefined {
  if (!usesExtras(ro)) return undefined;
  const serving = servingHash(ro, status);
  return podExtras(ro, ro.spec.template, roleOf(ro, newHash, serving), serving, newHash);
}

export async function syncPodExtras(sync: RolloutSync): Promise<void> {
  const { ro, ctx, status } = sync;
  const serving = servingHash(ro, status);
  for (const rs of replicaSetsWithRoles(ctx, serving)) {
    if (!usesExtras(ro) && !rs.metadata.annotations?.[EPHEMERAL_METADATA_ANNOTATION]) continue;
    const hash = hashOf(rs) ?? '';
    const extras = podExtras(ro, ro.spec.template, roleOf(ro, hash, serving), serving, hash);
    const change = extrasChange(rs, extras);
    if (!change.podMetadata && change.affinity === undefined) continue;
    await writeExtras(sync, rs, extras, change);
  }
}

/** The new and the stable (or active) ReplicaSet: the ones whose role can change. */
function replicaSetsWithRoles(ctx: RolloutContext, serving: string | undefined): ReplicaSet[] {
  const active = ctx.allRSs.find((rs) => hashOf(rs) === serving);
  return [ctx.newRS, ctx.stableRS, active].filter(
    (rs, i, all): rs is ReplicaSet => rs !== undefined && all.indexOf(rs) === i,
  );
}

async function writeExtras(
  sync: RolloutSync,
  rs: ReplicaSet,
  extras: PodExtras,
  change: ReturnType<typeof extrasChange>,
): Promise<void> {
  const { api } = sync;
  const ns = rs.metadata.namespace;
  const template: Record<string, unknown> = {};
  if (change.podMetadata) template.metadata = change.podMetadata;
  // A merge patch merges objects key by key: the affinity is replaced whole by a JSON patch below.
  let updated = await api.mergePatch<ReplicaSet>(core.replicaSets, ns, rs.metadata.name, {
    metadata: { annotations: { [EPHEMERAL_METADATA_ANNOTATION]: recordOf(extras) } },
    ...(change.podMetadata ? { spec: { template } } : {}),
  });
  if (change.affinity !== undefined) {
    const op =
      change.affinity === null
        ? { op: 'remove', path: '/spec/template/spec/affinity' }
        : { op: 'add', path: '/spec/template/spec/affinity', value: change.affinity };
    updated = await api.jsonPatch<ReplicaSet>(core.replicaSets, ns, rs.metadata.name, [op]);
  }
  sync.deps.observeReplicaSet?.(updated);
  if (!change.podMetadata) return;
  // Labels and annotations can change on a running pod: no restart for a change of role.
  const pods = await api.list<KubeObject>(core.pods, ns, {
    labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hashOf(rs)}`,
  });
  for (const pod of pods.items) {
    if (pod.metadata.deletionTimestamp) continue;
    await api.mergePatch(core.pods, ns, pod.metadata.name, { metadata: change.podMetadata });
  }
  sync.deps.log.info(
    { replicaSet: rs.metadata.name, pods: pods.items.length, metadata: change.podMetadata },
    'ephemeral pod metadata updated',
  );
}
