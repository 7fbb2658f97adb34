// The canary step machine as a function of data: whether the current step is done, when a
// pause step pauses and resumes, and when the desired version becomes stable. Follows Argo
// Rollouts' reconcileCanaryPause, completedCurrentCanaryStep, shouldFullPromote and
// syncRolloutStatusCanary.

import type { AnalysisPhase } from '../../api/analysis.ts';
import type { CanaryStep } from '../../api/rollout.ts';
import type { PauseState } from '../pause.ts';
import { currentStep, pauseDurationMs, stepString } from './steps.ts';

interface PauseStepInput {
  steps: readonly CanaryStep[];
  index: number;
  specPaused: boolean;
  promoteFull: boolean;
  pause: PauseState;
  now: Date;
}

/** At a pause step: pause once (the controller records it), then wait for time or a person. */
export function reconcilePauseStep(input: PauseStepInput): { requeueAfterMs?: number } {
  const { pause, now } = input;
  if (input.specPaused || input.promoteFull || pause.aborted) return {};
  const step = currentStep(input.steps, input.index);
  if (!step?.pause) return {};
  const duration = pauseDurationMs(step.pause.duration);
  const cond = pause.condition('CanaryPauseStep');
  if (!cond) {
    // No condition and no controllerPause: first arrival. With controllerPause: a person resumed.
    if (!pause.previous.controllerPause) {
      pause.addPause('CanaryPauseStep');
      return duration === undefined ? {} : { requeueAfterMs: duration };
    }
    return {};
  }
  if (duration === undefined) return {};
  return { requeueAfterMs: Math.max(0, Date.parse(cond.startTime) + duration - now.getTime()) };
}

interface StepCompletionInput {
  steps: readonly CanaryStep[];
  index: number;
  specPaused: boolean;
  pause: PauseState;
  now: Date;
  /** Every ReplicaSet is at the counts the current step asks for, and those pods are available. */
  atDesiredReplicas: boolean;
  /** The traffic router confirmed the weight; undefined when it cannot tell or there is none. */
  weightVerified: boolean | undefined;
  /** Phase of the current step's AnalysisRun, if the step is an analysis. */
  stepRunPhase: AnalysisPhase | undefined;
  /** Phase of the current step's Experiment, if the step is an experiment. */
  stepExperimentPhase?: AnalysisPhase | undefined;
}

function completedCurrentStep(input: StepCompletionInput): boolean {
  if (input.specPaused) return false;
  const step = currentStep(input.steps, input.index);
  if (!step) return false;
  if (step.pause) {
    const cond = input.pause.condition('CanaryPauseStep');
    const duration = pauseDurationMs(step.pause.duration);
    if (cond && duration !== undefined && input.now.getTime() >= Date.parse(cond.startTime) + duration)
      return true;
    return input.pause.resumedByUser;
  }
  if (step.setCanaryScale) return input.atDesiredReplicas;
  if (step.setWeight !== undefined) return input.atDesiredReplicas && input.weightVerified !== false;
  if (step.analysis) return input.stepRunPhase === 'Successful';
  if (step.experiment) {
    // An inconclusive Experiment paused the update; a person's promote goes on past it.
    const phase = input.stepExperimentPhase;
    return phase === 'Successful' || (phase === 'Inconclusive' && input.pause.resumedByUser);
  }
  // The route was written before the step machine ran (a failed write throws first).
  return step.setHeaderRoute !== undefined || step.setMirrorRoute !== undefined;
}

export interface CanaryProgressInput extends StepCompletionInput {
  promoteFull: boolean;
  /** A stable ReplicaSet other than the new one exists. */
  hasStable: boolean;
  /** The new ReplicaSet has every replica available. */
  newFullyAvailable: boolean;
}

interface CanaryProgress {
  index: number;
  /** Set when the desired version becomes stable, with the reason. */
  promote?: string | undefined;
  /** Set when the current step finished in this reconcile. */
  completed?: { from: number; step: string } | undefined;
}

export function decideCanaryProgress(input: CanaryProgressInput): CanaryProgress {
  const { steps, pause } = input;
  let index = input.index;
  if (input.promoteFull) {
    pause.clearPauses();
    pause.removeAbort();
    index = steps.length;
  }
  const promote = shouldFullPromote(input);
  if (promote) {
    pause.clearPauses();
    pause.removeAbort();
    return { index: steps.length, promote };
  }
  if (pause.aborted) return { index: input.hasStable ? 0 : steps.length };
  if (completedCurrentStep({ ...input, index })) {
    pause.removePause('CanaryPauseStep');
    pause.removePause('InconclusiveExperiment');
    return { index: index + 1, completed: { from: index, step: stepString(steps[index]) } };
  }
  return { index };
}

function shouldFullPromote(input: CanaryProgressInput): string | undefined {
  if (!input.hasStable) return 'Initial deploy';
  if (input.pause.aborted) return undefined;
  if (!input.newFullyAvailable) return undefined;
  if (input.promoteFull) return 'Full promotion requested';
  if (input.index >= input.steps.length) return `Completed all ${input.steps.length} canary steps`;
  return undefined;
}
