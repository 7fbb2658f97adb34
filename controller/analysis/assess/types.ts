// The narrow shapes this module judges. Field names are Argo Rollouts' (AnalysisTemplate metrics,
// AnalysisRun status), so the CRD types in controller/api fit them structurally; the phase,
// int-or-string and summary types are the API's own.

import type { AnalysisPhase, RunSummary as StoredRunSummary } from '../../api/analysis.ts';
import type { IntOrString } from '../../api/meta.ts';

export type { AnalysisPhase, IntOrString };

/** The phases a measurement, a metric or a run ends in. */
export type CompletedPhase = Exclude<AnalysisPhase, 'Pending' | 'Running'>;

/** A point in time: RFC 3339 as stored in status, or a Date. */
export type Timestamp = string | Date;

export interface MetricConditions {
  successCondition?: string;
  failureCondition?: string;
}

export interface MetricSpec extends MetricConditions {
  name: string;
  /** Go duration between measurements, e.g. `30s`, `5m`. */
  interval?: string;
  /** Go duration to wait after the run starts before the first measurement. */
  initialDelay?: string;
  /** Measurements to take; unset with no interval means one, unset with an interval means no end. */
  count?: IntOrString;
  /** Failed measurements tolerated; default 0. */
  failureLimit?: IntOrString;
  /** Inconclusive measurements tolerated; default 0. */
  inconclusiveLimit?: IntOrString;
  /** Errors in a row tolerated; default 4, as in Argo Rollouts. */
  consecutiveErrorLimit?: IntOrString;
}

export interface MeasurementRecord {
  /** Pending or Running while a measurement is in flight. */
  phase: AnalysisPhase;
  message?: string;
  startedAt?: Timestamp;
  finishedAt?: Timestamp;
  /** When an in-flight measurement should be looked at again. */
  resumeAt?: Timestamp;
  /** The measured value as text, as Argo stores it. */
  value?: string;
}

/** Argo's running totals of a metric; `count` leaves out errors. */
export interface MeasurementCounts {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
}

/** Totals over the metrics of a run, by the phase each metric ended in; every count is set. */
export type RunSummary = Required<StoredRunSummary>;
