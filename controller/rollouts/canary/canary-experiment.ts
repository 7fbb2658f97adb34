// The Experiment of a canary `experiment` step (Argo's reconcileExperiments): created when the
// step is reached, its outcome deciding the step (Successful completes it, Failed or Error
// aborts the update, Inconclusive pauses it for a person); Experiments that are no longer
// current (another step, an abort, a new version) are terminated, and old finished ones deleted
// within the Rollout's run history limits.

import type { AnalysisPhase } from '../../api/analysis.ts';
import { type Experiment, experimentResource } from '../../api/experiment.ts';
import type { CanaryStep } from '../../api/rollout.ts';
import { KubeApiError } from '../../kube/api-errors.ts';
import { StallingError } from '../../runtime/reconcile-errors.ts';
import { deleteBeyondHistory } from '../analysis/analysis-runs.ts';
import { baseRunName, isCompleted } from '../analysis/run-names.ts';
import { isOwnedBy } from '../owner.ts';
import { revisionOf } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { buildStepExperiment, ExperimentStepError } from './step-experiment.ts';

interface CanaryExperimentInput {
  steps: readonly CanaryStep[];
  index: number;
  /** Aborted, fully promoting, first deploy, or a rollback that skips the steps. */
  skip: boolean;
}

/** Returns the phase of the current step's Experiment, if the step is an experiment. */
export async function reconcileCanaryExperiment(
  sync: RolloutSync,
  input: CanaryExperimentInput,
): Promise<AnalysisPhase | undefined> {
  const step = input.steps[input.index]?.experiment;
  let current: Experiment | undefined;
  const paused = sync.pause.condition('InconclusiveExperiment') !== undefined && !sync.pause.resumedByUser;
  if (!input.skip && !sync.pause.aborted && step) {
    const name = `${baseRunName(sync.ro.metadata.name, sync.ctx.newHash, { type: 'step', stepIndex: input.index }, sync.ro.status?.abortedAt)}-exp`;
    current = sync.ctx.experiments.find((e) => e.metadata.name === name);
    if (current === undefined && !paused) current = await createExperiment(sync, name, input.index);
  }
  const phase = current?.status?.phase;
  if (current) judgeExperiment(sync, current, input.index);
  sync.status.canary = {
    ...(sync.status.canary ?? {}),
    currentExperiment: current && phase !== 'Successful' ? current.metadata.name : undefined,
  };
  await terminateOthers(sync, current);
  await trimHistory(sync, current);
  return phase;
}

async function createExperiment(sync: RolloutSync, name: string, stepIndex: number): Promise<Experiment> {
  const step = sync.ro.spec.strategy.canary?.steps?.[stepIndex]?.experiment;
  if (!step) throw new Error(`step ${stepIndex + 1} is not an experiment`);
  let experiment: Experiment;
  try {
    experiment = buildStepExperiment({
      rollout: sync.ro,
      step,
      stepIndex,
      name,
      newRS: sync.ctx.newRS,
      stableRS: sync.ctx.stableRS,
      newHash: sync.ctx.newHash,
      stableHash: sync.status.stableRS,
      revision: sync.ctx.newRS ? String(revisionOf(sync.ctx.newRS)) : undefined,
    });
  } catch (err) {
    if (err instanceof ExperimentStepError) {
      throw new StallingError('InvalidExperiment', `step ${stepIndex + 1} experiment: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  try {
    const created = await sync.api.create<Experiment>(experimentResource, experiment);
    sync.deps.observeExperiment?.(created);
    sync.event('Normal', 'ExperimentCreated', `Created step ${stepIndex + 1} Experiment ${name}`);
    sync.ctx.experiments.push(created);
    return created;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 409)) throw err;
    const existing = await sync.api.get<Experiment>(experimentResource, sync.namespace, name);
    if (!isOwnedBy(existing, sync.ro)) {
      throw new StallingError(
        'ExperimentNameTaken',
        `Experiment ${name} exists and is not owned by this Rollout`,
        {
          cause: err,
        },
      );
    }
    sync.ctx.experiments.push(existing);
    return existing;
  }
}

/** Failed or Error aborts the update; Inconclusive pauses it for a person. */
function judgeExperiment(sync: RolloutSync, exp: Experiment, stepIndex: number): void {
  const phase = exp.status?.phase;
  const recorded = sync.ro.status?.canary?.currentExperiment === exp.metadata.name;
  const description = `step ${stepIndex + 1} Experiment ${exp.metadata.name} ${phase}${exp.status?.message ? `: ${exp.status.message}` : ''}`;
  if (phase === 'Failed' || phase === 'Error') {
    if (!sync.pause.aborted) {
      sync.pause.requestAbort({ reason: 'ExperimentFailed', message: description });
      sync.abortMessage = description;
      sync.event('Warning', `Experiment${phase}`, description);
    }
  } else if (phase === 'Inconclusive') {
    sync.pause.addPause('InconclusiveExperiment');
    sync.pauseDetail.InconclusiveExperiment = `${description}; promote to go on, or abort`;
  } else if (phase === 'Successful' && recorded) {
    sync.event('Normal', 'ExperimentSuccessful', description);
  }
}

/** Experiments that are not current and still running are told to stop. */
async function terminateOthers(sync: RolloutSync, current: Experiment | undefined): Promise<void> {
  for (const exp of sync.ctx.experiments) {
    if (exp === current || isCompleted(exp.status?.phase) || exp.spec.terminate) continue;
    await sync.api.mergePatch(experimentResource, sync.namespace, exp.metadata.name, {
      spec: { terminate: true },
    });
    exp.spec.terminate = true;
    sync.deps.log.info({ experiment: exp.metadata.name }, 'terminated Experiment that is no longer current');
  }
}

/** Keeps the newest finished Experiments within the Rollout's run history limits; deletes the rest. */
async function trimHistory(sync: RolloutSync, current: Experiment | undefined): Promise<void> {
  await deleteBeyondHistory(
    sync,
    experimentResource,
    sync.ctx.experiments.filter((e) => e !== current),
  );
}
