// AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun. Mirrors crds/analysistemplates,
// clusteranalysistemplates and analysisruns .sluice.dev.yaml, which follow Argo Rollouts argoproj.io/v1alpha1.

import type {
  CommonStatus,
  Duration,
  IntOrString,
  LocalObjectReference,
  SecretKeySelector,
  SluiceObject,
  SluiceResourceType,
  Time,
} from './meta.ts';
import { GROUP, VERSION } from './meta.ts';

export const analysisTemplateResource = {
  group: GROUP,
  version: VERSION,
  kind: 'AnalysisTemplate',
  plural: 'analysistemplates',
  singular: 'analysistemplate',
  namespaced: true,
  shortNames: ['at'],
} as const satisfies SluiceResourceType;

export const clusterAnalysisTemplateResource = {
  group: GROUP,
  version: VERSION,
  kind: 'ClusterAnalysisTemplate',
  plural: 'clusteranalysistemplates',
  singular: 'clusteranalysistemplate',
  namespaced: false,
  shortNames: ['cat'],
} as const satisfies SluiceResourceType;

export const analysisRunResource = {
  group: GROUP,
  version: VERSION,
  kind: 'AnalysisRun',
  plural: 'analysisruns',
  singular: 'analysisrun',
  namespaced: true,
  shortNames: ['ar'],
} as const satisfies SluiceResourceType;

/** The phase of a run, a metric and a measurement. Final phases are all but Pending and Running. */
export const ANALYSIS_PHASES = [
  'Pending',
  'Running',
  'Successful',
  'Failed',
  'Error',
  'Inconclusive',
] as const;
export type AnalysisPhase = (typeof ANALYSIS_PHASES)[number];

export const POD_TEMPLATE_HASH_VALUES = ['Stable', 'Latest'] as const;
type PodTemplateHashValue = (typeof POD_TEMPLATE_HASH_VALUES)[number];

export const WEB_METHODS = ['GET', 'POST', 'PUT'] as const;
type WebMethod = (typeof WEB_METHODS)[number];

/** Exactly one field is set. */
interface ArgumentValueFrom {
  /** Read when each measurement is taken; stays a reference in the AnalysisRun. */
  secretKeyRef?: SecretKeySelector;
  podTemplateHashValue?: PodTemplateHashValue;
  /** A field of the Rollout, such as `metadata.name`. */
  fieldRef?: { fieldPath: string };
}

/** Referenced in metrics as `{{args.<name>}}`. Sets value, valueFrom, or neither (the Rollout supplies it). */
export interface Argument {
  name: string;
  value?: string;
  valueFrom?: ArgumentValueFrom;
}

/** metricName is a name or a whole-name regular expression such as `.*`. */
export interface DryRun {
  metricName: string;
}

export interface MeasurementRetention {
  metricName: string;
  limit: number;
}

interface HttpHeader {
  key: string;
  value: string;
}

/** At most one field is set. Secrets are read from the AnalysisRun's namespace. */
interface PrometheusAuthentication {
  /** The Secret holds keys `username` and `password`. */
  basic?: { secretRef: LocalObjectReference };
  /** The Secret holds the token under `key` (default `token`). */
  bearer?: { secretRef: { name: string; key?: string } };
}

export interface PrometheusRangeQuery {
  /** Expressions such as `now() - 5m`. */
  start?: string;
  end?: string;
  step?: string;
}

interface PrometheusMetric {
  address: string;
  query: string;
  /** Seconds, as in Argo Rollouts (not a Duration). */
  timeout?: number;
  insecure?: boolean;
  headers?: HttpHeader[];
  authentication?: PrometheusAuthentication;
  rangeQuery?: PrometheusRangeQuery;
}

interface WebMetric {
  url: string;
  method?: WebMethod;
  headers?: HttpHeader[];
  /** Only with POST or PUT. */
  body?: string;
  jsonPath?: string;
  timeoutSeconds?: number;
  insecure?: boolean;
}

/** A Job per measurement: Successful when it completes, Failed when it fails. */
interface JobMetric {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** A batch/v1 JobSpec; `template` is required. */
  spec: Record<string, unknown>;
}

/** Exactly one field is set. */
interface MetricProvider {
  prometheus?: PrometheusMetric;
  web?: WebMetric;
  job?: JobMetric;
}

export interface Metric {
  name: string;
  interval?: Duration;
  initialDelay?: Duration;
  /** Unset: 1 without interval, unlimited with interval. Strings may be `{{args.<name>}}`. */
  count?: IntOrString;
  successCondition?: string;
  failureCondition?: string;
  failureLimit?: IntOrString;
  inconclusiveLimit?: IntOrString;
  consecutiveErrorLimit?: IntOrString;
  provider: MetricProvider;
}

export interface AnalysisTemplateSpec {
  args?: Argument[];
  metrics: Metric[];
  dryRun?: DryRun[];
  measurementRetention?: MeasurementRetention[];
}

type AnalysisTemplateStatus = CommonStatus;

export type AnalysisTemplate = SluiceObject<'AnalysisTemplate', AnalysisTemplateSpec, AnalysisTemplateStatus>;

export interface AnalysisRunSpec {
  metrics: Metric[];
  /** Resolved: `value` is set, except `valueFrom.secretKeyRef`, which stays a reference. */
  args?: Argument[];
  dryRun?: DryRun[];
  measurementRetention?: MeasurementRetention[];
  terminate?: boolean;
}

export interface Measurement {
  phase: AnalysisPhase;
  value?: string;
  startedAt?: Time;
  finishedAt?: Time;
  message?: string;
  resumeAt?: Time;
  metadata?: Record<string, string>;
}

export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  /** Oldest first, trimmed to the retention limit. */
  measurements?: Measurement[];
  count?: number;
  successful?: number;
  failed?: number;
  inconclusive?: number;
  error?: number;
  consecutiveError?: number;
  message?: string;
  dryRun?: boolean;
  metadata?: Record<string, string>;
}

export interface RunSummary {
  count?: number;
  successful?: number;
  failed?: number;
  inconclusive?: number;
  error?: number;
}

export interface AnalysisRunStatus extends CommonStatus {
  phase?: AnalysisPhase;
  message?: string;
  startedAt?: Time;
  completedAt?: Time;
  metricResults?: MetricResult[];
  runSummary?: RunSummary;
  dryRunSummary?: RunSummary;
}

export type AnalysisRun = SluiceObject<'AnalysisRun', AnalysisRunSpec, AnalysisRunStatus>;
