// The pure judgement of analysis measurements, with Argo Rollouts' semantics and Sluice's rule that
// missing data never passes (see measurement.ts). Nothing here does I/O or reads the clock.

export {
  assessMeasurement,
  type MeasurementAssessment,
  type MissingData,
} from './measurement.ts';
export {
  type AssessMetricOptions,
  assessMetric,
  countMeasurements,
  isCompleted,
  type MetricAssessment,
  tallyMeasurement,
} from './metric.ts';
export {
  AnalysisSpecError,
  MetricSpecError,
  type ResolvedMetric,
  resolveMetric,
} from './metric-spec.ts';
export {
  DEFAULT_MEASUREMENT_RETENTION,
  type MeasurementRetentionRule,
  type MetricNameRule,
  matchMetricNames,
  retentionLimits,
  trimMeasurements,
} from './retention.ts';
export {
  type AssessRunOptions,
  assessRun,
  isTerminating,
  type MetricResult,
  type RunAssessment,
} from './run.ts';
export { type MetricProgress, nextMeasurementAt, type ScheduleOptions } from './schedule.ts';
export type * from './types.ts';
