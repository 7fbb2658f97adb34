// When a metric should be measured next, as Argo Rollouts schedules it: the first measurement at
// run start plus `initialDelay`, then one `interval` after the previous one finished (10 seconds
// after an error), and none once the metric has finished or taken `count` measurements.

import { isCompleted } from './metric.ts';
import { ERROR_RETRY_INTERVAL_MS, resolveMetric, toMillis } from './metric-spec.ts';
import type { AnalysisPhase, MeasurementCounts, MeasurementRecord, MetricSpec, Timestamp } from './types.ts';

interface MetricProgress {
  /** The metric's assessed phase; a completed metric is never measured again. */
  phase?: AnalysisPhase;
  measurements: readonly MeasurementRecord[];
  /** Totals kept in status, needed once old measurements were trimmed. */
  counts?: Pick<MeasurementCounts, 'count'>;
}

interface ScheduleOptions {
  /** When the run started; `initialDelay` counts from here. Defaults to `now`. */
  runStartedAt?: Timestamp;
}

/**
 * The time of the next measurement (at or before `now` means: measure now), or undefined when the
 * metric needs no more. Throws `MetricSpecError` for an invalid interval, delay or count.
 */
export function nextMeasurementAt(
  metric: MetricSpec,
  progress: MetricProgress,
  now: Date,
  options: ScheduleOptions = {},
): Date | undefined {
  if (progress.phase !== undefined && isCompleted(progress.phase)) return undefined;
  const resolved = resolveMetric(metric);
  const last = progress.measurements.at(-1);
  if (last === undefined) {
    const start =
      options.runStartedAt === undefined ? now.getTime() : toMillis(options.runStartedAt, 'runStartedAt');
    return new Date(start + (resolved.initialDelayMs ?? 0));
  }
  if (last.finishedAt === undefined || !isCompleted(last.phase)) {
    // In flight: look again when the provider asked to, otherwise right away.
    return last.resumeAt === undefined ? now : new Date(toMillis(last.resumeAt, 'resumeAt'));
  }
  const taken =
    progress.counts?.count ??
    progress.measurements.filter((m) => m.phase !== 'Error' && isCompleted(m.phase)).length;
  if (resolved.count !== undefined && taken >= resolved.count) return undefined;
  const finished = toMillis(last.finishedAt, 'finishedAt');
  // After an error, and (as in Argo) when there is no interval, retry after the error interval.
  const wait =
    last.phase === 'Error' ? ERROR_RETRY_INTERVAL_MS : (resolved.intervalMs ?? ERROR_RETRY_INTERVAL_MS);
  return new Date(finished + wait);
}
