// The one-word phase and the message a person reads in `kubectl get rollouts`, from the
// status the controller just computed. Follows Argo Rollouts' CalculateRolloutPhase, with
// messages that say what to do next.

import type { Rollout, RolloutPhase, RolloutStatus } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';

interface PhaseInput {
  rollout: Rollout;
  status: RolloutStatus;
  /** Set when the spec cannot be acted on. */
  invalidSpec?: string | undefined;
  /** Set when the update is aborted: why. */
  abortMessage?: string | undefined;
  /** Set when progressDeadlineSeconds passed without progress. */
  timedOut?: string | undefined;
  /** What the current pause is waiting for, keyed by pause reason. */
  pauseDetail?: Partial<Record<string, string>> | undefined;
  /** Canary: a short description of the step under way, e.g. `step 2/5 (setWeight: 40)`. */
  stepDetail?: string | undefined;
}

export interface PhaseResult {
  phase: RolloutPhase;
  message: string;
}

export function computePhase(input: PhaseInput): PhaseResult {
  const { rollout, status } = input;
  const spec = rollout.spec;
  if (input.invalidSpec) return { phase: 'Degraded', message: `InvalidSpec: ${input.invalidSpec}` };
  if (status.abort) {
    const why = input.abortMessage ?? 'the update was aborted';
    const stable = status.stableRS ? ` Stable ${status.stableRS} keeps serving.` : '';
    return {
      phase: 'Degraded',
      message: `RolloutAborted: ${why}.${stable} Retry (status.abort=false) or change spec.template to continue.`,
    };
  }
  if (input.timedOut) return { phase: 'Degraded', message: `ProgressDeadlineExceeded: ${input.timedOut}` };
  if (spec.paused)
    return { phase: 'Paused', message: 'manually paused (spec.paused); set spec.paused=false to resume' };
  const cond = status.pauseConditions?.[0];
  if (cond) {
    const detail = input.pauseDetail?.[cond.reason];
    return { phase: 'Paused', message: detail ? `${cond.reason}: ${detail}` : cond.reason };
  }
  if (status.controllerPause) return { phase: 'Progressing', message: 'resuming after a promote' };
  const replicas = spec.replicas ?? ROLLOUT_DEFAULTS.replicas;
  const step = input.stepDetail ? ` (${input.stepDetail})` : '';
  if ((status.updatedReplicas ?? 0) < replicas && !isMidUpdate(status)) {
    return { phase: 'Progressing', message: `more replicas need to be updated${step}` };
  }
  if (!isMidUpdate(status) && (status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0)) {
    return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  if (spec.strategy.blueGreen) {
    const active = status.blueGreen?.activeSelector;
    if (!active || active !== status.currentPodHash) {
      return { phase: 'Progressing', message: `active service cutover pending${step}` };
    }
    if (!status.stableRS || status.stableRS !== status.currentPodHash) {
      return { phase: 'Progressing', message: 'waiting for post-promotion analysis to complete' };
    }
  } else if (spec.strategy.canary) {
    if (!status.stableRS || status.stableRS !== status.currentPodHash) {
      return { phase: 'Progressing', message: `waiting for all steps to complete${step}` };
    }
    if (!spec.strategy.canary.trafficRouting && (status.replicas ?? 0) > (status.updatedReplicas ?? 0)) {
      return { phase: 'Progressing', message: 'old replicas are pending termination' };
    }
  }
  if ((status.updatedReplicas ?? 0) < replicas) {
    return { phase: 'Progressing', message: 'more replicas need to be updated' };
  }
  if ((status.availableReplicas ?? 0) < replicas) {
    return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  return { phase: 'Healthy', message: '' };
}

/** Between versions: a canary or preview runs next to the stable. */
function isMidUpdate(status: RolloutStatus): boolean {
  return !!status.stableRS && status.stableRS !== status.currentPodHash;
}
