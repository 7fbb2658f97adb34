// What the dashboard server sends the page: view models built from the cluster's objects
// (view-model.ts), one per page, pushed again whenever they change. The page (dashboard/src)
// imports these types; the file imports nothing, so both sides can compile it.

export interface Ready {
  status: 'True' | 'False' | 'Unknown';
  reason?: string | undefined;
  message?: string | undefined;
}

export interface ConditionView extends Ready {
  type: string;
  since?: string | undefined;
}

export interface SourceRow {
  namespace: string;
  name: string;
  url: string;
  revision?: string | undefined;
  ready: Ready;
  suspended: boolean;
}

export interface AppRow {
  namespace: string;
  name: string;
  /** `GitRepository ns/name`, or the chart and its HelmRepository. */
  source: string;
  revision?: string | undefined;
  sync: string;
  health: string;
  ready: Ready;
  suspended: boolean;
}

export interface RolloutRow {
  namespace: string;
  name: string;
  strategy: 'Canary' | 'BlueGreen' | 'Unknown';
  phase: string;
  message?: string | undefined;
  /** 1-based step being run, of `count`; index === count once every step is done. */
  step?: { index: number; count: number } | undefined;
  weights?: { canary: number; stable: number; verified?: boolean | undefined } | undefined;
  aborted: boolean;
  paused: boolean;
  replicas: { desired: number; ready: number; updated: number; available: number };
}

export interface Overview {
  /** "namespace shop" or "all namespaces". */
  scope: string;
  sources: SourceRow[];
  applications: AppRow[];
  rollouts: RolloutRow[];
}

export type StepState = 'done' | 'current' | 'aborted' | 'pending';

export interface VersionView {
  name: string;
  revision: number;
  hash: string;
  /** stable, canary, active, preview; none for an older version. */
  roles: string[];
  images: string[];
  desired: number;
  ready: number;
  available: number;
}

export interface MeasurementView {
  phase: string;
  value?: string | undefined;
  at?: string | undefined;
  message?: string | undefined;
}

export interface MetricView {
  name: string;
  phase: string;
  counts: { successful: number; failed: number; inconclusive: number; error: number };
  measurements: MeasurementView[];
  message?: string | undefined;
  dryRun: boolean;
}

export interface RunView {
  name: string;
  phase: string;
  /** "step 3", "background", "pre-promotion"… */
  what: string;
  revision: number;
  message?: string | undefined;
  startedAt?: string | undefined;
  metrics: MetricView[];
}

export const ROLLOUT_ACTIONS = [
  'promote',
  'promote-full',
  'abort',
  'retry',
  'undo',
  'pause',
  'resume',
] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

export interface RolloutDetail extends RolloutRow {
  steps: { text: string; state: StepState }[];
  pauses: { reason: string; since: string }[];
  versions: VersionView[];
  runs: RunView[];
  conditions: ConditionView[];
  /** Why each action cannot be taken now; an action not listed can. */
  unavailable: Partial<Record<RolloutAction, string>>;
}

export interface AppObject {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  /** Healthy, Progressing, Degraded, Missing, or Unknown while it cannot be read. */
  health: string;
  message?: string | undefined;
}

export interface AppDetail extends AppRow {
  path: string;
  prune: boolean;
  /** The git source's revision, '' before it has one; absent for a chart from a HelmRepository. */
  sourceRevision?: string | undefined;
  attemptedRevision?: string | undefined;
  objects: AppObject[];
  /** The message of Ready when it is False, else of the last failed sync. */
  lastError?: string | undefined;
  /** Where the last error points, when it names a file and line of the source. */
  errorAt?: { file: string; line: number } | undefined;
  history: { revision: string; result: string; time: string; message?: string | undefined }[];
  conditions: ConditionView[];
}

/**
 * The trail of one revision through an Application (cli/trail/trail-model.ts builds it; the
 * server checks that what it sends has this shape), drawn on the Application's page.
 */
export interface TrailView {
  revision: string;
  entries: { time?: string | undefined; stage: string; subject: string; message: string }[];
  verdict: { outcome: string; message: string };
}

/** Sent once when a page's event stream opens: how this server serves the page. */
export interface DashboardConfig {
  /** Why no action can be taken here, when the dashboard is read-only. */
  readOnly?: string | undefined;
}

/** One push on a page's event stream. */
export interface PageState<T> {
  /** Kinds whose list is not in yet, with the API server's answer when it refused. */
  pending: { resource: string; error?: string | undefined }[];
  /** Absent while loading, or when the object is not there. */
  view?: T | undefined;
  /** False once the lists are in and the object is not among them. */
  found: boolean;
}
