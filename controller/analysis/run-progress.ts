// The AnalysisRun's progress as data: which metrics are due, how a finished measurement is added
// to a metric's results, and what the metrics and the run amount to. Everything the controller
// needs to continue after a restart is in `status.metricResults` (measurements, totals, phases),
// so these functions read nothing else and never touch the clock themselves.

import type { AnalysisRunStatus, Measurement, MetricResult } from '../api/analysis.ts';
import {
  assessMetric,
  assessRun,
  countMeasurements,
  isCompleted,
  isTerminating,
  type MeasurementCounts,
  nextMeasurementAt,
  type RunAssessment,
  tallyMeasurement,
  trimMeasurements,
} from './assess/index.ts';
import type { PreparedMetric, PreparedRun } from './run-spec.ts';

const COUNT_FIELDS = ['count', 'successful', 'failed', 'inconclusive', 'error', 'consecutiveError'] as const;

/** One result per metric of the spec, in spec order, copied from status where it exists. */
export function currentResults(run: PreparedRun, status: AnalysisRunStatus | undefined): MetricResult[] {
  return run.metrics.map(({ metric, dryRun }) => {
    const found = status?.metricResults?.find((result) => result.name === metric.name);
    const result: MetricResult =
      found === undefined ? { name: metric.name, phase: 'Pending' } : structuredClone(found);
    if (dryRun) result.dryRun = true;
    else delete result.dryRun;
    return result;
  });
}

/**
 * A metric's totals. Status keeps them because old measurements are trimmed; a result written
 * by something that kept no totals is counted from its measurements.
 */
function countsOf(result: MetricResult): MeasurementCounts {
  if (COUNT_FIELDS.every((field) => result[field] === undefined)) {
    return countMeasurements(result.measurements ?? []);
  }
  return {
    count: result.count ?? 0,
    successful: result.successful ?? 0,
    failed: result.failed ?? 0,
    inconclusive: result.inconclusive ?? 0,
    error: result.error ?? 0,
    consecutiveError: result.consecutiveError ?? 0,
  };
}

/** When the metric should be measured next; undefined when it needs no more measurements. */
function nextDue(
  prepared: PreparedMetric,
  result: MetricResult,
  now: Date,
  startedAt: string,
): Date | undefined {
  return nextMeasurementAt(
    prepared.metric,
    {
      phase: result.phase,
      measurements: result.measurements ?? [],
      counts: { count: countsOf(result).count },
    },
    now,
    { runStartedAt: startedAt },
  );
}

/**
 * The metrics to measure now. A measurement in flight (a Job running) is looked at on every
 * reconcile: what it waits for wakes the run, and `resumeAt` is only the fallback.
 */
export function dueMetrics(
  run: PreparedRun,
  results: readonly MetricResult[],
  now: Date,
  startedAt: string,
): PreparedMetric[] {
  return run.metrics.filter((prepared, i) => {
    const result = results[i];
    if (result === undefined) return false;
    const last = result.measurements?.at(-1);
    if (last !== undefined && !isCompleted(last.phase) && !isCompleted(result.phase)) return true;
    const due = nextDue(prepared, result, now, startedAt);
    return due !== undefined && due.getTime() <= now.getTime();
  });
}

/** The earliest time any metric of an unfinished run should be measured. */
export function nextWake(
  run: PreparedRun,
  results: readonly MetricResult[],
  now: Date,
  startedAt: string,
): Date | undefined {
  let earliest: Date | undefined;
  run.metrics.forEach((prepared, i) => {
    const result = results[i];
    if (result === undefined) return;
    const due = nextDue(prepared, result, now, startedAt);
    if (due !== undefined && (earliest === undefined || due.getTime() < earliest.getTime())) earliest = due;
  });
  return earliest;
}

/**
 * Adds a finished measurement: it replaces an unfinished last one (left by an interrupted
 * writer), the totals count it, and the list is trimmed to the retention limit.
 */
export function recordMeasurement(
  result: MetricResult,
  measurement: Measurement,
  retention: number,
): MetricResult {
  const measurements = [...(result.measurements ?? [])];
  const last = measurements.at(-1);
  if (last !== undefined && !isCompleted(last.phase)) measurements.pop();
  measurements.push(measurement);
  const counts = tallyMeasurement(countsOf(result), measurement.phase);
  return { ...result, ...counts, measurements: trimMeasurements(measurements, retention) };
}

interface Assessment {
  results: MetricResult[];
  run: RunAssessment;
}

/**
 * Phases of the metrics and of the run. A metric that has finished keeps its phase. Once a metric
 * that counts has failed, errored or is inconclusive (or the run was told to terminate), the
 * others stop waiting, as in Argo Rollouts.
 */
export function assess(run: PreparedRun, results: readonly MetricResult[], terminate: boolean): Assessment {
  const pass = (terminating: boolean) =>
    results.map((result, i) => {
      const prepared = run.metrics[i];
      return prepared === undefined ? result : assessOne(prepared, result, terminating);
    });
  let assessed = pass(terminate);
  if (!terminate && isTerminating(assessed, run.dryRunNames)) assessed = pass(true);
  const verdict = assessRun(assessed, run.dryRunNames, { terminated: terminate });
  return { results: assessed, run: verdict };
}

function assessOne(prepared: PreparedMetric, result: MetricResult, terminating: boolean): MetricResult {
  if (isCompleted(result.phase)) return result;
  const counts = countsOf(result);
  const verdict = assessMetric(prepared.metric, result.measurements ?? [], { counts, terminating });
  return { ...result, ...verdict.counts, phase: verdict.phase, message: verdict.message };
}
