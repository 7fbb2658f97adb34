// The contract between the analysis engine and the metric backends. Field names of the specs
// follow Argo Rollouts' AnalysisTemplate so existing templates carry over unchanged.

import type { Measurement } from '../../api/analysis.ts';
import type { JobMetricSpec, RunRef } from './job/job-manifest.ts';

/** A JSON-like value a condition expression sees as `result`. */
export type MetricValue =
  | number
  | string
  | boolean
  | null
  | readonly MetricValue[]
  | { readonly [key: string]: MetricValue };

export interface HeaderSpec {
  key: string;
  value: string;
}

interface PrometheusRangeQuerySpec {
  /** Argo expressions such as `now() - duration("5m")`; the caller resolves them into `MeasureRequest.range`. */
  start?: string;
  end?: string;
  step?: string;
}

interface PrometheusMetricSpec {
  address?: string;
  query: string;
  /** Seconds; Argo's default is 30. */
  timeout?: number;
  headers?: HeaderSpec[];
  rangeQuery?: PrometheusRangeQuerySpec;
  /** Accepted in the schema for Argo compatibility; rejected at measure time (see prometheus provider). */
  insecure?: boolean;
}

type WebMetricMethod = 'GET' | 'POST' | 'PUT';

export interface WebMetricSpec {
  url: string;
  method?: WebMetricMethod;
  headers?: HeaderSpec[];
  body?: string;
  jsonBody?: unknown;
  /** k8s JSONPath subset, e.g. `{$.data.ok}`; default `{$}` (the whole document). */
  jsonPath?: string;
  /** Seconds; Argo's default is 10. */
  timeoutSeconds?: number;
  insecure?: boolean;
}

/** A metric's `provider` field. Exactly one key must be set; other Argo providers are rejected by name. */
export interface MetricProviderSpec {
  prometheus?: PrometheusMetricSpec;
  web?: WebMetricSpec;
  job?: JobMetricSpec;
  [other: string]: unknown;
}

/** Credentials read from a Secret by the caller. Never logged, never put in a message. */
export type ProviderCredentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export interface ResolvedRange {
  start: Date;
  end: Date;
  /** Seconds, or a Prometheus duration such as `30s`. */
  step: number | string;
}

export interface MeasureRequest {
  /** For messages only. */
  metricName: string;
  /** The metric's provider spec with `{{args.*}}` already substituted. */
  provider: MetricProviderSpec;
  credentials?: ProviderCredentials;
  /** Evaluation time of an instant query; defaults to the current time. */
  now?: Date;
  /** Resolved `rangeQuery`; when set, Prometheus is asked for a range (`query_range`). */
  range?: ResolvedRange;
  /** The run measured, for providers that create objects it owns (job). */
  run?: RunRef;
  /** 1 for the metric's first measurement, and so on: names what a provider creates for it. */
  measurementNumber?: number;
  /** The metric's unfinished last measurement, which this call looks at again instead of starting one. */
  inFlight?: Measurement;
}

export interface MeasureResult {
  /** What conditions see as `result`. */
  value: MetricValue;
  /** Human-readable form stored in the measurement's `value` (Argo stores a string). */
  text: string;
  /** Extra facts shown with the measurement, e.g. the resolved query and Prometheus warnings. */
  metadata: Record<string, string>;
  /**
   * The phase, for a provider that decides it itself (job); unset, the metric's conditions judge
   * `value`. Running: the measurement stays in flight and is looked at again (`measure` with
   * `inFlight`) after `resumeAfterMs`, or sooner when something wakes the run.
   */
  phase?: 'Running' | 'Successful' | 'Failed';
  message?: string;
  resumeAfterMs?: number;
}

export interface MetricProvider {
  /** `Prometheus` or `Web`, as Argo names them. */
  readonly type: string;
  /** Resolves with a value or rejects with a `ProviderError`; never resolves for a failed request. */
  measure(request: MeasureRequest, signal: AbortSignal): Promise<MeasureResult>;
  /** Stops an in-flight measurement (the run was terminated or ended), e.g. deletes its Job. */
  terminate?(request: MeasureRequest): Promise<void>;
  /** Deletes what the run's measurements of `metric` created, except what `keep` names (retention). */
  garbageCollect?(run: RunRef, metric: string, keep: ReadonlySet<string>): Promise<void>;
}
