// Application: what to render and apply from a source. Mirrors crds/applications.sluice.dev.yaml,
// which follows Flux kustomize.toolkit.fluxcd.io/v1 Kustomization.

import type {
  CommonStatus,
  Duration,
  ReconcileRequestStatus,
  SluiceObject,
  SluiceResourceType,
  Time,
} from './meta.ts';
import { GROUP, VERSION } from './meta.ts';

export const applicationResource = {
  group: GROUP,
  version: VERSION,
  kind: 'Application',
  plural: 'applications',
  singular: 'application',
  namespaced: true,
  shortNames: ['app', 'apps'],
} as const satisfies SluiceResourceType;

/** Condition type, beside Ready / Reconciling / Stalled, reporting the health of applied objects. */
export const CONDITION_HEALTHY = 'Healthy';
/** True while a Rollout it applied has aborted its update: the applied revision is not serving. */
export const CONDITION_ROLLED_BACK = 'RolledBack';

export const SOURCE_KINDS = ['GitRepository'] as const;
type SourceKind = (typeof SOURCE_KINDS)[number];

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Ordered best to worst, as in the schema. */
export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Missing', 'Unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const SYNC_RESULTS = ['Succeeded', 'Failed'] as const;

/** What deleting the Application does to what it applied (Flux's Kustomization deletionPolicy). */
export const DELETION_POLICIES = ['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
type SyncResult = (typeof SYNC_RESULTS)[number];

interface SourceReference {
  kind: SourceKind;
  name: string;
  /** Defaults to the Application's namespace. */
  namespace?: string;
}

export const CHART_SOURCE_KINDS = ['HelmRepository'] as const;
type ChartSourceKind = (typeof CHART_SOURCE_KINDS)[number];

/** A chart from a HelmRepository (Flux HelmRelease's spec.chart.spec), instead of a git source. */
export interface HelmChartReference {
  name: string;
  /** A semver range; the highest matching version is rendered. Unset: the highest release. */
  version?: string;
  sourceRef: { kind: ChartSourceKind; name: string };
}

interface DependencyReference {
  name: string;
  /** Defaults to the Application's namespace. */
  namespace?: string;
}

/** Argo CD's Application-level sync options that Sluice honours. */
export const SYNC_OPTIONS = ['CreateNamespace=true', 'CreateNamespace=false'] as const;
type SyncOption = (typeof SYNC_OPTIONS)[number];

/** Argo CD's syncPolicy; Flux-style fields (prune, interval) stay where they are. */
interface SyncPolicy {
  syncOptions?: SyncOption[];
}

/** A values document (or one value) from a ConfigMap or Secret, as Flux's HelmRelease valuesFrom. */
interface HelmValuesReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Defaults to values.yaml. */
  valuesKey?: string;
  /** Dot-separated path the key's text is set at, as a string; without it the key holds a values document. */
  targetPath?: string;
  optional?: boolean;
}

/**
 * How a chart is rendered (`helm template`): the chart at `path`, or `chart` from a
 * HelmRepository. Names after Flux HelmRelease and Argo CD source.helm.
 */
export interface HelmSpec {
  /** A chart from a HelmRepository instead of a git source. */
  chart?: HelmChartReference;
  /** Defaults to the Application's name. */
  releaseName?: string;
  /** `.Release.Namespace`; defaults to targetNamespace, else the Application's namespace. */
  namespace?: string;
  /** Files of the source, relative to the chart directory, merged in order over the chart's values.yaml. */
  valuesFiles?: string[];
  /** Merged after valuesFiles, in order. */
  valuesFrom?: HelmValuesReference[];
  /** Merged last. */
  values?: Record<string, unknown>;
  /** Leave out the chart's crds/ folder. */
  skipCRDs?: boolean;
}

interface ApplicationSpec {
  /** The git source; exactly one of sourceRef and helm.chart is set (the API server enforces it). */
  sourceRef?: SourceReference;
  /** Relative to the source root, without `..` segments; defaults to the root. */
  path?: string;
  interval: Duration;
  /** Defaults to interval. */
  retryInterval?: Duration;
  /** Defaults to interval. */
  timeout?: Duration;
  prune: boolean;
  /** Defaults to MirrorPrune: delete on deletion what prune would delete. */
  deletionPolicy?: DeletionPolicy;
  targetNamespace?: string;
  /** Impersonated for apply and prune when set. */
  serviceAccountName?: string;
  dependsOn?: DependencyReference[];
  wait?: boolean;
  suspend?: boolean;
  /** Health of the kinds named, by CEL expressions (Flux's healthCheckExprs). */
  healthCheckExprs?: HealthCheckExpr[];
  /** Rendering of a chart at `path` (a Chart.yaml there makes it a chart), or of helm.chart. */
  helm?: HelmSpec;
  syncPolicy?: SyncPolicy;
  /** Fields neither reported as drift nor taken over on apply (Argo CD's ignoreDifferences). */
  ignoreDifferences?: IgnoreDifference[];
}

/**
 * Argo CD's ResourceIgnoreDifferences: which objects (group, kind, and optionally name and
 * namespace) and which of their fields. `jqPathExpressions` is not supported (refused by the
 * schema).
 */
export interface IgnoreDifference {
  /** Empty or absent for the core group. */
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  /** Fields these managers own in the live object's managedFields. */
  managedFieldsManagers?: string[];
}

/** Flux's CustomHealthCheck: expressions over the object's fields, tried inProgress, failed, current. */
export interface HealthCheckExpr {
  apiVersion: string;
  kind: string;
  current: string;
  inProgress?: string;
  failed?: string;
}

/**
 * One owned object, as Flux records it: `id` is `<namespace>_<name>_<group>_<kind>` with empty
 * namespace for cluster-scoped objects and empty group for the core group (so a Namespace is
 * `_prod__Namespace`); `v` is the version it was applied with.
 */
export interface InventoryEntry {
  id: string;
  v: string;
}

interface ResourceInventory {
  entries?: InventoryEntry[];
}

export interface SyncRecord {
  revision: string;
  startedAt?: Time;
  /** When the sync finished. */
  time: Time;
  result: SyncResult;
  message?: string;
  objectsChanged?: number;
  objectsPruned?: number;
}

const OPERATION_PHASES = ['Running', 'Succeeded', 'Failed'] as const;
type OperationPhase = (typeof OPERATION_PHASES)[number];

const HOOK_STATES = ['Running', 'Succeeded', 'Failed'] as const;
export type HookState = (typeof HOOK_STATES)[number];

/** One hook object a sync created, as Argo CD lists them in its operation state. */
export interface HookStatus {
  /** `<phase>/<inventory id of its manifest>`: the same hook across syncs. */
  key: string;
  /** The step that created it (`<phase>/<wave>`); empty for a hook kept from an earlier sync. */
  step: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  /** The name it got (from generateName when the manifest has one). */
  name: string;
  state: HookState;
  message?: string;
  deletePolicies: string[];
  /** Deleted by its delete policy (or before its next creation). */
  deleted?: boolean;
}

/**
 * The sync under way or last finished: which step it reached, so a wait for a hook or a
 * wave survives a controller restart.
 */
export interface SyncOperation {
  revision: string;
  generation?: number;
  startedAt: Time;
  phase: OperationPhase;
  /** Index of the step under way in the sync's steps (the SyncFail steps when failing). */
  step: number;
  /** The step's hooks were created and objects applied; it is waiting for them. */
  stepStarted?: boolean;
  /**
   * Applies again a revision and spec already synced (the first reconcile after a controller
   * restart), without running its hooks again.
   */
  replay?: boolean;
  /** A step failed: the SyncFail hooks run, then the sync ends Failed. */
  failing?: boolean;
  failedAt?: Time;
  /** Why it failed: the condition reason and message. */
  reason?: 'HookFailed' | 'SyncTimedOut' | 'SyncFailed';
  message?: string;
  hooks?: HookStatus[];
}

/**
 * A workload that serves a revision of its own choosing (a Rollout keeps its stable version
 * until analysis promotes the new one): which revisions it serves.
 */
export interface ServingEntry {
  kind: 'Rollout';
  namespace?: string;
  name: string;
  /** The source revision that last changed the Rollout (its sluice.dev/revision). */
  revision?: string;
  /** The revision its stable ReplicaSet runs (status.stableRevision). */
  stableRevision?: string;
  /** The revision of its canary or preview, or of the update an abort rolled back. */
  canaryRevision?: string;
  phase?: string;
  aborted?: boolean;
}

/** The deletion under way: recomputed from the inventory and the live objects on every pass. */
export interface DeletionStatus {
  policy: DeletionPolicy;
  /** `Kind namespace/name`, as in events; each list is capped. */
  deleted?: string[];
  kept?: string[];
  terminating?: string[];
  message?: string;
}

export interface ApplicationStatus extends CommonStatus, ReconcileRequestStatus {
  /** Set while the Application is being deleted. */
  deletion?: DeletionStatus;
  /** The current or last sync operation (hooks and waves). */
  operation?: SyncOperation;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  syncStatus?: SyncStatus;
  health?: HealthStatus;
  inventory?: ResourceInventory;
  /** Newest first; the controller trims it to the last few syncs. */
  history?: SyncRecord[];
  /** The Rollouts it applied, and which revisions they serve. */
  serving?: ServingEntry[];
  /** The trace of the last attempted revision, when the controller sends traces. */
  trace?: CommitTraceStatus;
}

interface CommitTraceStatus {
  revision: string;
  /** W3C trace id: 32 hex digits. */
  traceID: string;
}

export type Application = SluiceObject<'Application', ApplicationSpec, ApplicationStatus>;
