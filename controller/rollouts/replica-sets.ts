// The ReplicaSets a Rollout owns: their shape, how they are built from spec.template, and
// the writes the controller makes to them (create, scale, deadline annotations, delete).

import type { LabelSelector, PodTemplateSpec, Rollout } from '../api/rollout.ts';
import { SOURCE_REVISION_ANNOTATION } from '../apps/revision-stamp.ts';
import { isConflict, KubeApiError } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { isSubset } from '../runtime/merge-patch.ts';
import type { RsView } from './canary/scale-plan.ts';
import { canonicalJson, podTemplateHash } from './hash.ts';
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  SCALE_DOWN_DEADLINE_ANNOTATION,
  SOURCE_REVISION_RECORD_ANNOTATION,
} from './labels.ts';
import { controllerRef, isOwnedBy } from './owner.ts';
import {
  applyExtras,
  EPHEMERAL_METADATA_ANNOTATION,
  type PodExtras,
  recordOf,
  withoutExtras,
} from './pod-extras/pod-extras.ts';

export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** Another object already has the name the template hashes to; bump status.collisionCount. */
export class HashCollisionError extends Error {
  override readonly name = 'HashCollisionError';
}

export function hashOf(rs: KubeObject | undefined): string | undefined {
  return rs?.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
}

export function revisionOf(rs: KubeObject | undefined): number {
  const n = Number(rs?.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function viewOf(rs: ReplicaSet): RsView {
  return {
    name: rs.metadata.name,
    specReplicas: rs.spec.replicas ?? 1,
    replicas: rs.status?.replicas ?? 0,
    availableReplicas: rs.status?.availableReplicas ?? 0,
    revision: revisionOf(rs),
    deadline: rs.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION],
  };
}

/** The source revision a ReplicaSet (or AnalysisRun) was created for, if its Rollout had one. */
export function sourceRevisionRecordOf(o: KubeObject | undefined): string | undefined {
  return o?.metadata.annotations?.[SOURCE_REVISION_RECORD_ANNOTATION];
}

/** The annotation that records a source revision, or none. */
export function sourceRevisionRecord(revision: string | undefined): Record<string, string> {
  return revision ? { [SOURCE_REVISION_RECORD_ANNOTATION]: revision } : {};
}

export function desiredHash(ro: Rollout): string {
  return podTemplateHash(ro.spec.template, ro.status?.collisionCount);
}

function replicaSetName(ro: Rollout, hash: string): string {
  return `${ro.metadata.name}-${hash}`;
}

/** The Rollout's pod template with the hash label added, as a ReplicaSet runs it. */
function templateWithHash(template: PodTemplateSpec | undefined, hash: string): PodTemplateSpec {
  const t = structuredClone(template ?? {});
  t.metadata = {
    ...(t.metadata ?? {}),
    labels: { ...(t.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
  };
  return t;
}

export function buildReplicaSet(
  ro: Rollout,
  hash: string,
  replicas: number,
  revision: number,
  extras?: PodExtras,
): ReplicaSet {
  const base = templateWithHash(ro.spec.template, hash);
  const template = extras ? applyExtras(base, extras) : base;
  const selector: LabelSelector = {
    ...(ro.spec.selector ?? {}),
    matchLabels: { ...(ro.spec.selector?.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: replicaSetName(ro, hash),
      namespace: ro.metadata.namespace,
      labels: { ...(base.metadata?.labels ?? {}) },
      annotations: {
        [REVISION_ANNOTATION]: String(revision),
        ...sourceRevisionRecord(ro.metadata.annotations?.[SOURCE_REVISION_ANNOTATION]),
        ...(extras ? { [EPHEMERAL_METADATA_ANNOTATION]: recordOf(extras) } : {}),
      },
      ownerReferences: [controllerRef(ro)],
    },
    spec: {
      replicas,
      ...(ro.spec.minReadySeconds ? { minReadySeconds: ro.spec.minReadySeconds } : {}),
      selector,
      template,
    },
  };
}

function withoutHash(t: PodTemplateSpec | undefined): string {
  const c = structuredClone(t ?? {});
  if (c.metadata?.labels) {
    delete c.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  }
  if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
  return canonicalJson(c);
}

/** The ReplicaSet runs the Rollout's template, allowing for defaults the API server added. */
function runsTemplate(rs: ReplicaSet, ro: Rollout): boolean {
  return isSubset(JSON.parse(withoutHash(ro.spec.template)), JSON.parse(withoutHash(withoutExtras(rs))));
}

/**
 * The ReplicaSet's template is exactly the Rollout's: how an undo is recognised, since it
 * copies a ReplicaSet's (server-defaulted) template back into the Rollout.
 */
export function sameTemplate(rs: ReplicaSet, ro: Rollout): boolean {
  return withoutHash(ro.spec.template) === withoutHash(withoutExtras(rs));
}

/**
 * Creates the ReplicaSet, or adopts the one that exists under its name when this Rollout owns
 * it and it runs the same template (a cache that lags behind our own create).
 */
export async function createReplicaSet(api: ObjectApi, ro: Rollout, rs: ReplicaSet): Promise<ReplicaSet> {
  try {
    return await api.create<ReplicaSet>(core.replicaSets, rs);
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 409)) throw err;
    const existing = await api.get<ReplicaSet>(core.replicaSets, rs.metadata.namespace, rs.metadata.name);
    if (isOwnedBy(existing, ro) && runsTemplate(existing, ro)) return existing;
    throw new HashCollisionError(`ReplicaSet ${rs.metadata.name} exists with another template or owner`, {
      cause: err,
    });
  }
}

/** Sets spec.replicas and/or the scale-down deadline annotation in one merge patch. */
export async function patchReplicaSet(
  api: ObjectApi,
  rs: ReplicaSet,
  change: {
    replicas?: number | undefined;
    deadline?: string | null | undefined;
    revision?: number;
    minReadySeconds?: number;
  },
): Promise<ReplicaSet> {
  const patch: { metadata?: { annotations: Record<string, string | null> }; spec?: Record<string, number> } =
    {};
  const annotations: Record<string, string | null> = {};
  if (change.deadline !== undefined) annotations[SCALE_DOWN_DEADLINE_ANNOTATION] = change.deadline;
  if (change.replicas === 0 && rs.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION]) {
    annotations[SCALE_DOWN_DEADLINE_ANNOTATION] = null;
  }
  if (change.revision !== undefined) annotations[REVISION_ANNOTATION] = String(change.revision);
  if (Object.keys(annotations).length > 0) patch.metadata = { annotations };
  const spec: Record<string, number> = {};
  if (change.replicas !== undefined) spec.replicas = change.replicas;
  if (change.minReadySeconds !== undefined) spec.minReadySeconds = change.minReadySeconds;
  if (Object.keys(spec).length > 0) patch.spec = spec;
  return api.mergePatch<ReplicaSet>(core.replicaSets, rs.metadata.namespace, rs.metadata.name, patch);
}

export async function deleteReplicaSet(api: ObjectApi, rs: ReplicaSet): Promise<void> {
  try {
    await api.delete(core.replicaSets, rs.metadata.namespace, rs.metadata.name);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}
