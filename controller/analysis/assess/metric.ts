// The phase of one metric from its measurements, as Argo Rollouts' assessMetricStatus decides it:
// Failed once failed > failureLimit, Inconclusive once inconclusive > inconclusiveLimit, Error once
// consecutive errors > consecutiveErrorLimit (checked in that order, a later one winning),
// Successful once `count` measurements are taken, otherwise Running.

import { MetricSpecError, type ResolvedMetric, resolveMetric } from './metric-spec.ts';
import type { AnalysisPhase, MeasurementCounts, MeasurementRecord, MetricSpec } from './types.ts';

interface MetricAssessment {
  phase: AnalysisPhase;
  message: string;
  counts: MeasurementCounts;
}

interface AssessMetricOptions {
  /**
   * Totals kept in status. Needed once measurementRetention has trimmed old measurements;
   * without them the totals are counted from `measurements`.
   */
  counts?: MeasurementCounts;
  /** The run is ending (another metric decided it, or it was terminated): stop waiting. */
  terminating?: boolean;
}

const COMPLETED: ReadonlySet<AnalysisPhase> = new Set(['Successful', 'Failed', 'Inconclusive', 'Error']);

export function isCompleted(phase: AnalysisPhase): boolean {
  return COMPLETED.has(phase);
}

export function emptyCounts(): MeasurementCounts {
  return { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0 };
}

/** Adds one finished measurement to the totals, as Argo does: an error does not count towards `count`. */
export function tallyMeasurement(counts: MeasurementCounts, phase: AnalysisPhase): MeasurementCounts {
  const next = { ...counts };
  switch (phase) {
    case 'Successful':
      next.successful++;
      break;
    case 'Failed':
      next.failed++;
      break;
    case 'Inconclusive':
      next.inconclusive++;
      break;
    case 'Error':
      next.error++;
      next.consecutiveError++;
      return next;
    default:
      return next;
  }
  next.count++;
  next.consecutiveError = 0;
  return next;
}

export function countMeasurements(measurements: readonly MeasurementRecord[]): MeasurementCounts {
  return measurements.reduce(
    (counts, measurement) => tallyMeasurement(counts, measurement.phase),
    emptyCounts(),
  );
}

/** Which limit, if any, a metric's totals have exceeded. */
function exceededLimit(
  limits: Pick<ResolvedMetric, 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit'>,
  counts: MeasurementCounts,
): { phase: 'Failed' | 'Inconclusive' | 'Error'; message: string } | undefined {
  const { failureLimit, inconclusiveLimit, consecutiveErrorLimit } = limits;
  let verdict: { phase: 'Failed' | 'Inconclusive' | 'Error'; message: string } | undefined;
  if (counts.failed > failureLimit) {
    verdict = { phase: 'Failed', message: `failed (${counts.failed}) > failureLimit (${failureLimit})` };
  }
  if (counts.inconclusive > inconclusiveLimit) {
    verdict = {
      phase: 'Inconclusive',
      message: `inconclusive (${counts.inconclusive}) > inconclusiveLimit (${inconclusiveLimit})`,
    };
  }
  if (counts.consecutiveError > consecutiveErrorLimit) {
    verdict = {
      phase: 'Error',
      message: `consecutiveErrors (${counts.consecutiveError}) > consecutiveErrorLimit (${consecutiveErrorLimit})`,
    };
  }
  return verdict;
}

export function assessMetric(
  metric: MetricSpec,
  measurements: readonly MeasurementRecord[],
  options: AssessMetricOptions = {},
): MetricAssessment {
  const counts = options.counts ?? countMeasurements(measurements);
  const terminating = options.terminating === true;
  let resolved: ResolvedMetric;
  try {
    resolved = resolveMetric(metric);
  } catch (error) {
    if (error instanceof MetricSpecError) return { phase: 'Error', message: error.message, counts };
    throw error;
  }
  const last = measurements.at(-1);
  if (last === undefined) {
    if (terminating)
      return { phase: 'Successful', message: 'run ended before the first measurement', counts };
    return { phase: 'Pending', message: 'waiting for the first measurement', counts };
  }
  if (!isCompleted(last.phase)) return { phase: 'Running', message: 'measurement in progress', counts };

  const exceeded = exceededLimit(resolved, counts);
  if (exceeded !== undefined) return { ...exceeded, counts };

  const tally = `${counts.successful} successful, ${counts.failed} failed, ${counts.inconclusive} inconclusive, ${counts.error} errors`;
  if (resolved.count !== undefined && counts.count >= resolved.count) {
    return { phase: 'Successful', message: `count (${resolved.count}) reached: ${tally}`, counts };
  }
  if (terminating) return { phase: 'Successful', message: `run ended: ${tally}`, counts };
  const progress = resolved.count === undefined ? `${counts.count}` : `${counts.count} of ${resolved.count}`;
  return { phase: 'Running', message: `${progress} measurements taken: ${tally}`, counts };
}
