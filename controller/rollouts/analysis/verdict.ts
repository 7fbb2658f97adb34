// What a Rollout makes of an AnalysisRun's outcome, and how it explains it to a person:
// which metric decided and the value it measured.

import type { AnalysisPhase, AnalysisRun, MetricResult } from '../../api/analysis.ts';
import type { RolloutAnalysisRunStatus } from '../../api/rollout.ts';

type RunEffect = 'none' | 'pause' | 'abort';

/** Failed and Error abort the update; Inconclusive pauses it for a person; the rest wait or pass. */
export function effectOf(phase: AnalysisPhase | undefined): RunEffect {
  if (phase === 'Failed' || phase === 'Error') return 'abort';
  if (phase === 'Inconclusive') return 'pause';
  return 'none';
}

/** The metric that decided a failed, errored or inconclusive run, with its last telling value. */
export function decidingMetric(
  run: AnalysisRun,
): { name: string; phase: AnalysisPhase; value?: string; message?: string } | undefined {
  const phase = run.status?.phase;
  const results = run.status?.metricResults ?? [];
  const pick = (p: AnalysisPhase): MetricResult | undefined =>
    results.find((m) => m.phase === p && !m.dryRun);
  const metric = (phase && pick(phase)) ?? pick('Failed') ?? pick('Error') ?? pick('Inconclusive');
  if (!metric) return undefined;
  const measurements = metric.measurements ?? [];
  const telling = [...measurements].reverse().find((m) => m.phase === metric.phase) ?? measurements.at(-1);
  return {
    name: metric.name,
    phase: metric.phase,
    ...(telling?.value !== undefined ? { value: telling.value } : {}),
    ...((telling?.message ?? metric.message) ? { message: telling?.message ?? metric.message } : {}),
  };
}

/** e.g. `step 2 analysis web-5f7d-2 Failed: metric "error-rate" measured 0.12 (limit exceeded)`. */
export function describeRun(run: AnalysisRun, what: string): string {
  const phase = run.status?.phase ?? 'Pending';
  const metric = decidingMetric(run);
  let text = `${what} analysis ${run.metadata.name} ${phase}`;
  if (metric) {
    text += `: metric "${metric.name}" ${metric.phase.toLowerCase()}`;
    if (metric.value !== undefined) text += ` with value ${metric.value}`;
    if (metric.message) text += ` (${metric.message})`;
  } else if (run.status?.message) {
    text += `: ${run.status.message}`;
  }
  return text;
}

export function runStatus(run: AnalysisRun): RolloutAnalysisRunStatus {
  const status: RolloutAnalysisRunStatus = {
    name: run.metadata.name,
    status: run.status?.phase ?? 'Pending',
  };
  if (run.status?.message) status.message = run.status.message;
  return status;
}
