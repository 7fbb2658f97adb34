// The order of a sync, as Argo CD runs it: phase (PreSync, Sync, PostSync), then wave, then
// kind and name. Each step is one (phase, wave): its hooks are created and its objects
// applied together, and the next step starts once the hooks completed and the objects are
// healthy. SyncFail hooks make their own steps, run only when a step failed.

import type { DesiredObject } from '../manifest.ts';
import type { HookPhase } from './hook-annotations.ts';

export interface SyncStep {
  phase: HookPhase;
  wave: number;
  /** Ordinary objects (only in the Sync phase). */
  objects: DesiredObject[];
  hooks: DesiredObject[];
}

const PHASE_ORDER: Record<HookPhase, number> = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };

/** Argo CD's kind order (gitops-engine's kind list, abridged): what others depend on first. */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

/** Kind, then name: the order within one step. */
function byKindAndName(a: DesiredObject, b: DesiredObject): number {
  return kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}

/**
 * The steps of a sync, in order. `failing` gives the SyncFail steps instead. Skipped
 * objects are in none; a hook with several phases is in each of them.
 */
export function syncSteps(objects: DesiredObject[], failing = false): SyncStep[] {
  const steps = new Map<string, SyncStep>();
  const step = (phase: HookPhase, wave: number): SyncStep => {
    const key = `${phase}/${wave}`;
    let s = steps.get(key);
    if (!s) {
      s = { phase, wave, objects: [], hooks: [] };
      steps.set(key, s);
    }
    return s;
  };
  for (const o of objects) {
    if (o.skip) continue;
    if (!o.hook) {
      if (!failing) step('Sync', o.wave).objects.push(o);
      continue;
    }
    for (const phase of o.hook.phases) {
      if ((phase === 'SyncFail') === failing) step(phase, o.wave).hooks.push(o);
    }
  }
  const ordered = [...steps.values()].sort(
    (a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.wave - b.wave,
  );
  for (const s of ordered) {
    s.objects.sort(byKindAndName);
    s.hooks.sort(byKindAndName);
  }
  return ordered;
}

/** A hook's identity across reconciles: the same manifest in the same phase. */
export function hookKey(phase: HookPhase, o: DesiredObject): string {
  return `${phase}/${o.id}`;
}
