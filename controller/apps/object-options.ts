// What an object's annotations ask of the sync beyond its wave and hook role: how it is
// applied, whether it is pruned or kept, whether it may be re-created. One parser reads
// Argo CD's sync-options and compare-options, Flux's kustomize-controller annotations and
// our own, so every stage (and `kubectl sluice diff`) judges an object the same way.
// Anything it does not understand is refused, naming the annotation and the item: a typo
// must not silently prune or overwrite what the author meant to protect.

import { AnnotationError } from './annotation-error.ts';

const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
const ARGO_COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';
const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
const FLUX_SSA = 'kustomize.toolkit.fluxcd.io/ssa';
const FLUX_FORCE = 'kustomize.toolkit.fluxcd.io/force';
const FLUX_RECONCILE = 'kustomize.toolkit.fluxcd.io/reconcile';
const SLUICE_PRUNE = 'sluice.dev/prune';
const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/**
 * How the sync sends the object: server-side apply taking every field it sets (`apply`,
 * Flux's `Override`, the default); without taking fields other managers own (`merge`);
 * only while it does not exist (`create-only`, Flux's `IfNotPresent`); or not at all
 * (`never`: Flux's `ssa: Ignore` and `reconcile: disabled`). An object never sent stays
 * in the inventory and is not pruned.
 */
type ApplyMode = 'apply' | 'merge' | 'create-only' | 'never';

export interface ObjectOptions {
  apply: ApplyMode;
  /** Argo CD's `Replace=true`: created when absent, replaced whole with a PUT otherwise. */
  replace: boolean;
  /**
   * Deleted (foreground) and re-created when the API server refuses a change to an
   * immutable field: Flux's `force: Enabled`, Argo CD's `Force=true` or `Replace=true`.
   */
  recreate: boolean;
  /** Never deleted by pruning: `Prune=false`, Flux's `prune: disabled`, `sluice.dev/prune: disabled`, Helm's `helm.sh/resource-policy: keep`. */
  keepOnPrune: boolean;
  /** Left in place when its Application is deleted: `Delete=false`, or a prune opt-out (as Flux does). */
  keepOnDelete: boolean;
  /** Pruned only after every wave is applied and healthy (`PruneLast=true`). */
  pruneLast: boolean;
  /** Its kind may be missing at validation: its CRD comes in an earlier wave (`SkipDryRunOnMissingResource=true`). */
  skipDryRunOnMissingResource: boolean;
  /** False with `Validate=false`: no dry-run before the sync, no strict field validation. */
  validate: boolean;
  /** Argo CD's `IgnoreExtraneous` compare option. */
  ignoreExtraneous: boolean;
}

type Annotations = Readonly<Record<string, string>> | undefined;

const DEFAULTS: ObjectOptions = {
  apply: 'apply',
  replace: false,
  recreate: false,
  keepOnPrune: false,
  keepOnDelete: false,
  pruneLast: false,
  skipDryRunOnMissingResource: false,
  validate: true,
  ignoreExtraneous: false,
};

type Change = Partial<ObjectOptions>;

/** Argo CD's per-object sync options: `Key=Value` → what it changes (undefined: accepted, no effect). */
const SYNC_OPTIONS: Record<string, Record<string, Change | string>> = {
  Prune: {
    false: { keepOnPrune: true },
    true: {},
    confirm: 'is not supported (Sluice has no manual confirmation); use Prune=false',
  },
  Delete: {
    false: { keepOnDelete: true },
    true: {},
    confirm: 'is not supported (Sluice has no manual confirmation); use Delete=false',
  },
  Replace: { true: { replace: true, recreate: true }, false: {} },
  Force: { true: { recreate: true }, false: {} },
  // Every object is sent with server-side apply; `false` is accepted and changes nothing.
  ServerSideApply: { true: {}, false: {} },
  SkipDryRunOnMissingResource: { true: { skipDryRunOnMissingResource: true }, false: {} },
  PruneLast: { true: { pruneLast: true }, false: {} },
  Validate: { false: { validate: false }, true: {} },
};

/** Argo CD options that belong on the Application, not on one object. */
const APP_LEVEL = [
  'CreateNamespace',
  'ApplyOutOfSyncOnly',
  'PrunePropagationPolicy',
  'RespectIgnoreDifferences',
  'FailOnSharedResource',
];

const COMPARE_OPTIONS: Record<string, Change | string> = {
  IgnoreExtraneous: { ignoreExtraneous: true },
  'ServerSideDiff=true': 'is not supported yet',
  'ServerSideDiff=false': {},
  'IncludeMutationWebhook=true': 'is not supported yet',
};

/** Flux's annotations: value (lower-cased, as Flux compares them) → what it changes. */
const FLUX: Record<string, Record<string, Change>> = {
  [FLUX_PRUNE]: { disabled: { keepOnPrune: true, keepOnDelete: true }, enabled: {} },
  [SLUICE_PRUNE]: { disabled: { keepOnPrune: true, keepOnDelete: true }, enabled: {} },
  [FLUX_SSA]: {
    override: {},
    merge: { apply: 'merge' },
    ifnotpresent: { apply: 'create-only' },
    ignore: { apply: 'never' },
  },
  [FLUX_FORCE]: { enabled: { recreate: true }, disabled: {} },
  [FLUX_RECONCILE]: { disabled: { apply: 'never' }, enabled: {} },
};
const FLUX_SPELLING: Record<string, string[]> = {
  [FLUX_SSA]: ['Override', 'Merge', 'IfNotPresent', 'Ignore'],
  [FLUX_FORCE]: ['Enabled', 'Disabled'],
};

const items = (value: string): string[] =>
  String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function syncOption(item: string): Change {
  const eq = item.indexOf('=');
  if (eq <= 0) throw new AnnotationError(ARGO_SYNC_OPTIONS, `has an item "${item}" that is not Key=Value`);
  const key = item.slice(0, eq);
  const value = item.slice(eq + 1);
  const values = SYNC_OPTIONS[key];
  if (!values) {
    const where = APP_LEVEL.includes(key)
      ? 'is an Application option (spec.syncPolicy.syncOptions), not an object option'
      : `is unknown (expected one of ${Object.keys(SYNC_OPTIONS).join(', ')})`;
    throw new AnnotationError(ARGO_SYNC_OPTIONS, `has "${item}": ${key} ${where}`);
  }
  const change = values[value];
  if (change === undefined) {
    throw new AnnotationError(
      ARGO_SYNC_OPTIONS,
      `has "${item}": ${key} must be one of ${Object.keys(values).join(', ')}`,
    );
  }
  if (typeof change === 'string')
    throw new AnnotationError(ARGO_SYNC_OPTIONS, `has "${item}", which ${change}`);
  return change;
}

function compareOption(item: string): Change {
  const change = COMPARE_OPTIONS[item];
  if (change === undefined) {
    throw new AnnotationError(
      ARGO_COMPARE_OPTIONS,
      `has an unknown value "${item}" (expected IgnoreExtraneous or ServerSideDiff=false)`,
    );
  }
  if (typeof change === 'string')
    throw new AnnotationError(ARGO_COMPARE_OPTIONS, `has "${item}", which ${change}`);
  return change;
}

function fluxOption(annotation: string, value: string): Change {
  const values = FLUX[annotation] as Record<string, Change>;
  const change = values[String(value).trim().toLowerCase()];
  if (change === undefined) {
    const expected = FLUX_SPELLING[annotation] ?? Object.keys(values);
    throw new AnnotationError(
      annotation,
      `has an unknown value "${value}" (expected one of ${expected.join(', ')})`,
    );
  }
  return change;
}

/** Argo CD's option items, refusing an empty list and one key set twice to different values. */
function argoItems(annotation: string, value: string): string[] {
  const found = items(value);
  if (found.length === 0) throw new AnnotationError(annotation, 'is empty');
  const seen = new Map<string, string>();
  for (const item of found) {
    const key = item.split('=')[0] as string;
    const before = seen.get(key);
    if (before !== undefined && before !== item)
      throw new AnnotationError(annotation, `has both "${before}" and "${item}"`);
    seen.set(key, item);
  }
  return found;
}

/**
 * The options an object's annotations set. Throws AnnotationError naming the annotation
 * and the item for anything malformed, unknown or unsupported.
 */
export function objectOptions(annotations: Annotations): ObjectOptions {
  const changes: Change[] = [];
  const sync = annotations?.[ARGO_SYNC_OPTIONS];
  if (sync !== undefined) changes.push(...argoItems(ARGO_SYNC_OPTIONS, sync).map(syncOption));
  const compare = annotations?.[ARGO_COMPARE_OPTIONS];
  if (compare !== undefined) changes.push(...argoItems(ARGO_COMPARE_OPTIONS, compare).map(compareOption));
  for (const annotation of Object.keys(FLUX)) {
    const value = annotations?.[annotation];
    if (value !== undefined) changes.push(fluxOption(annotation, value));
  }
  // Helm's "never delete this": kept on upgrade and uninstall; Helm ignores any other value.
  if (annotations?.[HELM_RESOURCE_POLICY] === 'keep') changes.push({ keepOnPrune: true, keepOnDelete: true });
  const options = Object.assign({ ...DEFAULTS }, ...changes) as ObjectOptions;
  // Ignore and reconcile: disabled win over Merge or IfNotPresent: the object is never sent.
  if (changes.some((c) => c.apply === 'never')) options.apply = 'never';
  return options;
}
