// The AnalysisRuns of a canary: the current analysis step's run and the background run from
// spec.strategy.canary.analysis (from its startingStep on). Argo's reconcileStepBasedAnalysisRun
// and reconcileBackgroundAnalysisRun.

import type { AnalysisPhase } from '../../api/analysis.ts';
import type { CanaryStep } from '../../api/rollout.ts';
import {
  ensureRun,
  judgeRun,
  type RunIntent,
  terminateOtherRuns,
  trimRunHistory,
} from '../analysis/analysis-runs.ts';
import { baseRunName, runNameForSlot } from '../analysis/run-names.ts';
import type { RolloutSync } from '../rollout-sync.ts';

interface CanaryAnalysisInput {
  steps: readonly CanaryStep[];
  index: number;
  /** Aborted, fully promoting, first deploy, or a rollback that skips analysis. */
  skip: boolean;
  fullyPromoted: boolean;
}

/** Returns the phase of the current step's run, if the step is an analysis. */
export async function reconcileCanaryAnalysis(
  sync: RolloutSync,
  input: CanaryAnalysisInput,
): Promise<AnalysisPhase | undefined> {
  const keep = new Set<string>();
  const status = sync.status;
  const canaryStatus = { ...(status.canary ?? {}) };
  let stepPhase: AnalysisPhase | undefined;
  if (!input.skip) {
    const paused = (sync.ro.status?.pauseConditions?.length ?? 0) > 0 && !sync.pause.resumedByUser;
    const step = input.steps[input.index];
    if (step?.analysis) {
      const slot = { type: 'step', stepIndex: input.index } as const;
      const recorded = sync.ro.status?.canary?.currentStepAnalysisRunStatus;
      const intent = intentFor(sync, {
        slot,
        label: `step ${input.index + 1}`,
        analysis: step.analysis,
        recorded,
        create: !paused && !sync.pause.aborted,
      });
      const run = await ensureRun(sync, intent);
      if (run) {
        keep.add(run.metadata.name);
        canaryStatus.currentStepAnalysisRunStatus = judgeRun(sync, run, intent.label, recorded);
        stepPhase = run.status?.phase;
      }
    } else {
      canaryStatus.currentStepAnalysisRunStatus = undefined;
    }

    const bg = sync.ro.spec.strategy.canary?.analysis;
    const startingStep = bg?.startingStep ?? 0;
    const beforeStart = input.steps.length > 0 && input.index < startingStep;
    if (bg && bg.templates.length > 0 && !input.fullyPromoted && !beforeStart) {
      const recorded = sync.ro.status?.canary?.currentBackgroundAnalysisRunStatus;
      const intent = intentFor(sync, {
        slot: { type: 'background' },
        label: 'background',
        analysis: bg,
        recorded,
        create: !sync.pause.condition('InconclusiveAnalysisRun') && !sync.pause.aborted,
      });
      const run = await ensureRun(sync, intent);
      if (run) {
        keep.add(run.metadata.name);
        canaryStatus.currentBackgroundAnalysisRunStatus = judgeRun(sync, run, intent.label, recorded);
      }
    } else if (!bg || input.fullyPromoted) {
      canaryStatus.currentBackgroundAnalysisRunStatus = undefined;
    }
  }
  status.canary = canaryStatus;
  await terminateOtherRuns(sync, keep);
  await trimRunHistory(sync, keep);
  return stepPhase;
}

function intentFor(
  sync: RolloutSync,
  input: Pick<RunIntent, 'slot' | 'label' | 'analysis' | 'create'> & {
    recorded: { name: string; status: AnalysisPhase } | undefined;
  },
): RunIntent {
  const base = baseRunName(sync.ro.metadata.name, sync.ctx.newHash, input.slot, sync.ro.status?.abortedAt);
  const recordedRun = input.recorded
    ? sync.ctx.runs.find((r) => r.metadata.name === input.recorded?.name)
    : undefined;
  const name = runNameForSlot({
    base,
    recorded: input.recorded,
    recordedPhase: recordedRun?.status?.phase,
    resumedFromInconclusive: sync.pause.resumedByUser,
  });
  return { slot: input.slot, label: input.label, analysis: input.analysis, name, create: input.create };
}
