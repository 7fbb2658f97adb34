// What an object's annotations say about its part in a sync: an ordinary object in a wave,
// a hook run in some phases, or an object not applied at all. Argo CD's annotations are
// read first; Helm's hook annotations map onto the same shape (as Argo CD maps them), so a
// rendered chart's hooks run the same way.

import { AnnotationError } from '../annotation-error.ts';

const ARGO_HOOK = 'argocd.argoproj.io/hook';
const ARGO_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
const ARGO_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const SLUICE_SYNC_WAVE = 'sluice.dev/sync-wave';
const HELM_HOOK = 'helm.sh/hook';
const HELM_HOOK_WEIGHT = 'helm.sh/hook-weight';
const HELM_HOOK_DELETE_POLICY = 'helm.sh/hook-delete-policy';

/** The phases a sync runs in order; SyncFail only when one of them failed. */
const HOOK_PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

const DELETE_POLICIES = ['BeforeHookCreation', 'HookSucceeded', 'HookFailed'] as const;
export type DeletePolicy = (typeof DELETE_POLICIES)[number];

export interface SyncRole {
  /** Set for a hook: the phases it runs in, and when its object is deleted. */
  hook?: { phases: HookPhase[]; deletePolicies: DeletePolicy[] };
  /** Not applied at all (`Skip`, or a Helm hook with no sync phase). */
  skip: boolean;
  wave: number;
}

type Annotations = Readonly<Record<string, string>> | undefined;

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function wave(annotations: Annotations, keys: readonly string[]): number {
  for (const key of keys) {
    const raw = annotations?.[key];
    if (raw === undefined) continue;
    const text = String(raw);
    const n = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isInteger(n)) throw new AnnotationError(key, 'must be an integer');
    return n;
  }
  return 0;
}

/** Reads one comma-separated annotation whose every item must be in `names` (mapped). */
function items<T>(annotation: string, value: string, names: ReadonlyMap<string, T>): T[] {
  const found = list(String(value));
  if (found.length === 0) throw new AnnotationError(annotation, 'is empty');
  return found.map((item) => {
    const mapped = names.get(item);
    if (mapped === undefined) {
      throw new AnnotationError(
        annotation,
        `has an unknown value "${item}" (expected one of ${[...names.keys()].join(', ')})`,
      );
    }
    return mapped;
  });
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

const ARGO_HOOKS = new Map<string, HookPhase | 'Skip'>([
  ...HOOK_PHASES.map((p) => [p, p] as const),
  ['Skip', 'Skip'],
]);
const ARGO_POLICIES = new Map<string, DeletePolicy>(DELETE_POLICIES.map((p) => [p, p]));

function argoRole(annotations: Annotations, hookValue: string): SyncRole {
  const waveOf = wave(annotations, [SLUICE_SYNC_WAVE, ARGO_SYNC_WAVE]);
  const hooks = unique(items(ARGO_HOOK, hookValue, ARGO_HOOKS));
  const policyValue = annotations?.[ARGO_HOOK_DELETE_POLICY];
  const policies =
    policyValue === undefined ? [] : items(ARGO_HOOK_DELETE_POLICY, policyValue, ARGO_POLICIES);
  if (hooks.includes('Skip')) return { skip: true, wave: waveOf };
  return {
    skip: false,
    wave: waveOf,
    hook: {
      phases: hooks.filter((h): h is HookPhase => h !== 'Skip'),
      deletePolicies: policies.length > 0 ? unique(policies) : ['BeforeHookCreation'],
    },
  };
}

// ---- Helm's hooks, mapped as Argo CD maps them: install and upgrade hooks run before or
// after the sync; delete, rollback and test hooks have no sync phase and are not applied.
const HELM_HOOKS = new Map<string, HookPhase | 'None'>([
  ['pre-install', 'PreSync'],
  ['pre-upgrade', 'PreSync'],
  ['post-install', 'PostSync'],
  ['post-upgrade', 'PostSync'],
  ['pre-delete', 'None'],
  ['post-delete', 'None'],
  ['pre-rollback', 'None'],
  ['post-rollback', 'None'],
  ['test', 'None'],
  ['test-success', 'None'],
  ['test-failure', 'None'],
]);
const HELM_POLICIES = new Map<string, DeletePolicy>([
  ['before-hook-creation', 'BeforeHookCreation'],
  ['hook-succeeded', 'HookSucceeded'],
  ['hook-failed', 'HookFailed'],
]);

function helmRole(annotations: Annotations, hookValue: string): SyncRole {
  const waveOf = wave(annotations, [SLUICE_SYNC_WAVE, ARGO_SYNC_WAVE, HELM_HOOK_WEIGHT]);
  // crd-install (Helm 2) marks an ordinary object, and is no phase beside others.
  const named = list(String(hookValue)).filter((h) => h !== 'crd-install');
  if (named.length === 0) return { skip: false, wave: waveOf };
  const phases = unique(items(HELM_HOOK, named.join(','), HELM_HOOKS)).filter(
    (p): p is HookPhase => p !== 'None',
  );
  if (phases.length === 0) return { skip: true, wave: waveOf };
  const policyValue = annotations?.[HELM_HOOK_DELETE_POLICY];
  const policies =
    policyValue === undefined ? [] : items(HELM_HOOK_DELETE_POLICY, policyValue, HELM_POLICIES);
  return {
    skip: false,
    wave: waveOf,
    hook: { phases, deletePolicies: policies.length > 0 ? unique(policies) : ['BeforeHookCreation'] },
  };
}

/**
 * An object's part in a sync, from its annotations. Argo CD's hook annotation wins over
 * Helm's (as in Argo CD); without either the object is ordinary, in its sync wave.
 */
export function syncRole(annotations: Annotations): SyncRole {
  const argo = annotations?.[ARGO_HOOK];
  if (argo !== undefined) return argoRole(annotations, argo);
  const helm = annotations?.[HELM_HOOK];
  if (helm !== undefined) return helmRole(annotations, helm);
  if (annotations?.[ARGO_HOOK_DELETE_POLICY] !== undefined)
    items(ARGO_HOOK_DELETE_POLICY, annotations[ARGO_HOOK_DELETE_POLICY], ARGO_POLICIES);
  return { skip: false, wave: wave(annotations, [SLUICE_SYNC_WAVE, ARGO_SYNC_WAVE]) };
}
