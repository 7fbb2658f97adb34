// The narrow shapes this module judges. Field names are Argo Rollouts' (AnalysisTemplate metrics,
// AnalysisRun status), so the CRD types in controller/api fit them structurally.

/** Phase of one measurement, of a metric, or of a whole run. */
export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** The phases a measurement, a metric or a run ends in. */
export type CompletedPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** Kubernetes int-or-string: Argo accepts `3` and `"3"` (the latter after `{{args.*}}` substitution). */
export type IntOrString = number | string;

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

/** Totals over the metrics of a run, by the phase each metric ended in. */
export interface RunSummary {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
}
