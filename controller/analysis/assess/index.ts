// The pure judgement of analysis measurements, with Argo Rollouts' semantics and Sluice's rule that
// missing data never passes (see measurement.ts). Nothing here does I/O or reads the clock.

export { assessMeasurement } from './measurement.ts';
export { assessMetric, countMeasurements, isCompleted, tallyMeasurement } from './metric.ts';
export { AnalysisSpecError, MetricSpecError, type ResolvedMetric, resolveMetric } from './metric-spec.ts';
export {
  DEFAULT_MEASUREMENT_RETENTION,
  matchMetricNames,
  retentionLimits,
  trimMeasurements,
} from './retention.ts';
export { assessRun, isTerminating, type RunAssessment } from './run.ts';
export { nextMeasurementAt } from './schedule.ts';
export type * from './types.ts';
