// The phase of a whole AnalysisRun from its metrics' phases, as Argo Rollouts decides it: the run
// is Running while any metric is, ends as soon as a metric that is not a dry run ends Failed, Error
// or Inconclusive, and otherwise ends with the worst phase (Failed > Error > Inconclusive >
// Successful). Dry-run metrics never decide the run; they are summarised in the message instead.

import { isCompleted } from './metric.ts';
import type { AnalysisPhase, CompletedPhase, MeasurementRecord, RunSummary } from './types.ts';

/** One metric as the run sees it: its assessed phase and message, and its measurements. */
export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  /** Why the metric is in its phase, e.g. `failed (2) > failureLimit (1)`. */
  message?: string;
  measurements?: readonly MeasurementRecord[];
}

export interface RunAssessment {
  phase: AnalysisPhase;
  message: string;
  /** The metric whose phase became the run's, when one did. */
  decidedBy: string | undefined;
  runSummary: RunSummary;
  dryRunSummary: RunSummary;
}

interface AssessRunOptions {
  /** The run was asked to stop (rollout promoted or aborted): end it with what is known. */
  terminated?: boolean;
}

/** Best to worst, as Argo orders them. */
const ORDER: readonly AnalysisPhase[] = [
  'Successful',
  'Running',
  'Pending',
  'Inconclusive',
  'Error',
  'Failed',
];

export function isWorse(current: AnalysisPhase, candidate: AnalysisPhase): boolean {
  return ORDER.indexOf(candidate) > ORDER.indexOf(current);
}

function emptySummary(): RunSummary {
  return { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 };
}

const SUMMARY_KEY: Readonly<Record<CompletedPhase, keyof RunSummary>> = {
  Successful: 'successful',
  Failed: 'failed',
  Inconclusive: 'inconclusive',
  Error: 'error',
};

function isDecisive(phase: AnalysisPhase): boolean {
  return phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive';
}

/** Whether the run should stop measuring: a metric that counts has already decided it. */
export function isTerminating(
  results: readonly MetricResult[],
  dryRunMetrics: Iterable<string> = [],
): boolean {
  const dryRun = new Set(dryRunMetrics);
  return results.some((result) => !dryRun.has(result.name) && isDecisive(result.phase));
}

/** `Metric "x" assessed Failed due to ...; last value: [0.5]`, with the last measurement's message. */
function describeMetric(result: MetricResult): string {
  const parts = [`Metric ${JSON.stringify(result.name)} assessed ${result.phase}`];
  if (result.message) parts[0] += ` due to ${result.message}`;
  const last = result.measurements?.at(-1);
  if (last?.value !== undefined && last.value !== '') parts.push(`last value: ${last.value}`);
  if (last?.message && last.message !== result.message) parts.push(`last measurement: ${last.message}`);
  return parts.join('; ');
}

export function assessRun(
  results: readonly MetricResult[],
  dryRunMetrics: Iterable<string> = [],
  options: AssessRunOptions = {},
): RunAssessment {
  const dryRun = new Set(dryRunMetrics);
  const runSummary = emptySummary();
  const dryRunSummary = emptySummary();
  const waiting: string[] = [];
  const dryRunNotes: string[] = [];
  let worst: MetricResult | undefined;

  for (const result of results) {
    const isDryRun = dryRun.has(result.name);
    const summary = isDryRun ? dryRunSummary : runSummary;
    summary.count++;
    if (!isCompleted(result.phase)) {
      waiting.push(JSON.stringify(result.name));
      continue;
    }
    summary[SUMMARY_KEY[result.phase as CompletedPhase]]++;
    if (isDryRun) {
      if (result.phase !== 'Successful') dryRunNotes.push(`dry run: ${describeMetric(result)}`);
    } else if (worst === undefined || isWorse(worst.phase, result.phase)) {
      worst = result;
    }
  }

  if (results.length === 0) {
    return {
      phase: 'Error',
      message: 'no metrics to assess',
      decidedBy: undefined,
      runSummary,
      dryRunSummary,
    };
  }
  const terminating = options.terminated === true || isTerminating(results, dryRun);
  const notes = dryRunNotes.length > 0 ? `; ${dryRunNotes.join('; ')}` : '';
  if (!terminating && waiting.length > 0) {
    const message = `waiting for ${waiting.length === 1 ? 'metric' : 'metrics'} ${waiting.join(', ')}${notes}`;
    return { phase: 'Running', message, decidedBy: undefined, runSummary, dryRunSummary };
  }
  if (worst !== undefined && isDecisive(worst.phase)) {
    return {
      phase: worst.phase,
      message: describeMetric(worst) + notes,
      decidedBy: worst.name,
      runSummary,
      dryRunSummary,
    };
  }
  let message: string;
  if (options.terminated === true) message = 'run terminated';
  else if (runSummary.count === 0) message = 'only dry-run metrics';
  else
    message =
      runSummary.count === 1
        ? 'the metric was successful'
        : `all ${runSummary.count} metrics were successful`;
  return { phase: 'Successful', message: message + notes, decidedBy: undefined, runSummary, dryRunSummary };
}
