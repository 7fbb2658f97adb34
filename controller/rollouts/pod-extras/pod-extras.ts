// What a ReplicaSet's pods carry beyond the Rollout's template, by the part the ReplicaSet
// plays: Argo Rollouts' ephemeral metadata (canaryMetadata / stableMetadata, activeMetadata /
// previewMetadata: labels and annotations that exist only while the pods play that part) and
// antiAffinity (new pods kept off the nodes of the stable pods, so a bad version cannot take
// down a node's worth of both). Pure: the sync next door writes the changes.

import type { PodTemplateSpec, Rollout } from '../../api/rollout.ts';
import { canonicalJson } from '../hash.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../labels.ts';

export type ReplicaSetRole = 'canary' | 'stable' | 'active' | 'preview';

/** On ReplicaSets: the ephemeral labels and annotations last written, so they can be taken off. */
export const EPHEMERAL_METADATA_ANNOTATION = 'sluice.dev/ephemeral-metadata';

export interface EphemeralMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface AntiAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: Record<string, never>;
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number };
}

type Json = Record<string, unknown>;

export interface PodExtras {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  /** The pod spec's `affinity` as the ReplicaSet should run it; undefined for none. */
  affinity: Json | undefined;
}

/**
 * The extras for a ReplicaSet in `role`; `stableHash` is the pod-template-hash of the stable
 * (blue-green: active) pods the new ones keep away from.
 */
export function podExtras(
  ro: Rollout,
  template: PodTemplateSpec | undefined,
  role: ReplicaSetRole,
  stableHash: string | undefined,
  ownHash: string,
): PodExtras {
  const { canary, blueGreen } = ro.spec.strategy;
  const meta: EphemeralMetadata | undefined = canary
    ? role === 'canary'
      ? canary.canaryMetadata
      : canary.stableMetadata
    : role === 'preview'
      ? blueGreen?.previewMetadata
      : blueGreen?.activeMetadata;
  const anti = canary?.antiAffinity ?? blueGreen?.antiAffinity;
  const newcomer = role === 'canary' || role === 'preview';
  const avoid = anti && newcomer && stableHash && stableHash !== ownHash ? stableHash : undefined;
  return {
    metadata: { labels: { ...(meta?.labels ?? {}) }, annotations: { ...(meta?.annotations ?? {}) } },
    affinity: withAntiAffinity(template?.spec?.affinity as Json | undefined, anti, avoid),
  };
}

/** The template's own affinity plus, when `avoid` is set, a term against the pods of that hash. */
function withAntiAffinity(
  own: Json | undefined,
  anti: AntiAffinity | undefined,
  avoid: string | undefined,
): Json | undefined {
  if (!anti || !avoid) return own && structuredClone(own);
  const term = {
    labelSelector: { matchExpressions: [{ key: POD_TEMPLATE_HASH_LABEL, operator: 'In', values: [avoid] }] },
    topologyKey: 'kubernetes.io/hostname',
  };
  const affinity = structuredClone(own ?? {});
  const podAnti = (affinity.podAntiAffinity ?? {}) as Json;
  if (anti.requiredDuringSchedulingIgnoredDuringExecution) {
    const list = (podAnti.requiredDuringSchedulingIgnoredDuringExecution ?? []) as unknown[];
    podAnti.requiredDuringSchedulingIgnoredDuringExecution = [...list, term];
  } else {
    const list = (podAnti.preferredDuringSchedulingIgnoredDuringExecution ?? []) as unknown[];
    const weight = anti.preferredDuringSchedulingIgnoredDuringExecution?.weight ?? 1;
    podAnti.preferredDuringSchedulingIgnoredDuringExecution = [...list, { weight, podAffinityTerm: term }];
  }
  affinity.podAntiAffinity = podAnti;
  return affinity;
}

/** A pod template with the extras in: what a new ReplicaSet in that role is created with. */
export function applyExtras(template: PodTemplateSpec, extras: PodExtras): PodTemplateSpec {
  const t = structuredClone(template);
  const { labels, annotations } = extras.metadata;
  t.metadata = {
    ...(t.metadata ?? {}),
    labels: { ...(t.metadata?.labels ?? {}), ...labels },
    ...(Object.keys(annotations).length > 0 || t.metadata?.annotations
      ? { annotations: { ...(t.metadata?.annotations ?? {}), ...annotations } }
      : {}),
  };
  if (extras.affinity) t.spec = { ...(t.spec ?? {}), affinity: extras.affinity };
  else if (t.spec?.affinity) {
    const { affinity: _, ...rest } = t.spec;
    t.spec = rest;
  }
  return t;
}

/** The annotation value recording `extras`' ephemeral metadata on the ReplicaSet. */
export function recordOf(extras: PodExtras): string {
  return JSON.stringify(extras.metadata);
}

function recorded(value: string | undefined): EphemeralMetadata {
  if (!value) return {};
  try {
    return JSON.parse(value) as EphemeralMetadata;
  } catch {
    return {};
  }
}

/** Merge-patch of a map: the wanted entries, and null for what was written before but is no longer wanted. */
function mapPatch(
  before: Record<string, string> | undefined,
  want: Record<string, string>,
  have: Record<string, string> | undefined,
): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const key of Object.keys(before ?? {}))
    if (!(key in want) && have?.[key] !== undefined) patch[key] = null;
  for (const [key, value] of Object.entries(want)) if (have?.[key] !== value) patch[key] = value;
  return patch;
}

export interface ExtrasChange {
  /** Merge patch of a pod's (or the template's) metadata; undefined when nothing changes. */
  podMetadata:
    | { labels?: Record<string, string | null>; annotations?: Record<string, string | null> }
    | undefined;
  /** The template's affinity changes (null: remove it). */
  affinity: Json | null | undefined;
}

/**
 * What changes on a ReplicaSet whose role or the Rollout's extras changed: the template's
 * metadata (and so every existing pod's, since metadata can change on a running pod) and the
 * template's affinity (for pods created from now on; scheduling is done for the others).
 */
export function extrasChange(
  rs: { metadata: { annotations?: Record<string, string> }; spec: { template: PodTemplateSpec } },
  extras: PodExtras,
): ExtrasChange {
  const before = recorded(rs.metadata.annotations?.[EPHEMERAL_METADATA_ANNOTATION]);
  const meta = rs.spec.template.metadata ?? {};
  const labels = mapPatch(before.labels, extras.metadata.labels, meta.labels);
  const annotations = mapPatch(before.annotations, extras.metadata.annotations, meta.annotations);
  const podMetadata = {
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const have = rs.spec.template.spec?.affinity as Json | undefined;
  // Key order is the API server's, not ours: compare canonically.
  const same = canonicalJson(have ?? null) === canonicalJson(extras.affinity ?? null);
  return {
    podMetadata: Object.keys(podMetadata).length > 0 ? podMetadata : undefined,
    affinity: same ? undefined : (extras.affinity ?? null),
  };
}

/** Labels ephemeral metadata may not set: the selector's and the hash label. */
export function reservedLabels(ro: Rollout): string[] {
  return [POD_TEMPLATE_HASH_LABEL, ...Object.keys(ro.spec.selector?.matchLabels ?? {})];
}

const isInjected = (term: unknown): boolean => {
  const t = term as { labelSelector?: Json; podAffinityTerm?: { labelSelector?: Json } };
  const selector = (t.podAffinityTerm?.labelSelector ?? t.labelSelector) as
    | { matchExpressions?: { key?: string }[] }
    | undefined;
  return selector?.matchExpressions?.some((e) => e.key === POD_TEMPLATE_HASH_LABEL) === true;
};

/**
 * The Rollout template a ReplicaSet was made from: its template without the extras above (the
 * recorded ephemeral labels and annotations, the injected anti-affinity term). The hash label
 * is left to the caller.
 */
export function withoutExtras(rs: {
  metadata: { annotations?: Record<string, string> };
  spec: { template: PodTemplateSpec };
}): PodTemplateSpec {
  const t = structuredClone(rs.spec.template);
  const before = recorded(rs.metadata.annotations?.[EPHEMERAL_METADATA_ANNOTATION]);
  for (const [field, keys] of [
    ['labels', before.labels],
    ['annotations', before.annotations],
  ] as const) {
    const map = t.metadata?.[field];
    if (!map) continue;
    for (const key of Object.keys(keys ?? {})) delete map[key];
    if (Object.keys(map).length === 0) delete t.metadata?.[field];
  }
  const affinity = t.spec?.affinity as Json | undefined;
  const anti = affinity?.podAntiAffinity as Record<string, unknown[] | undefined> | undefined;
  if (t.spec && affinity && anti) {
    for (const key of [
      'requiredDuringSchedulingIgnoredDuringExecution',
      'preferredDuringSchedulingIgnoredDuringExecution',
    ]) {
      const kept = anti[key]?.filter((term) => !isInjected(term));
      if (kept && kept.length > 0) anti[key] = kept;
      else delete anti[key];
    }
    if (Object.keys(anti).length === 0) delete affinity.podAntiAffinity;
    if (Object.keys(affinity).length === 0) delete t.spec.affinity;
  }
  return t;
}
