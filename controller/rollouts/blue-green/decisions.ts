// Blue-green decisions as functions of data (Argo Rollouts' rollout/bluegreen.go): how big the
// preview runs, when the rollout pauses before the switch and when it resumes, when the active
// Service moves to the new version, and when that version becomes stable.

import type { AnalysisPhase } from '../../api/analysis.ts';
import type { RsView } from '../canary/scale-plan.ts';
import type { PauseState } from '../pause.ts';

export interface BlueGreenInput {
  replicas: number;
  previewReplicaCount?: number | undefined;
  autoPromotionEnabled: boolean;
  autoPromotionSeconds?: number | undefined;
  now: Date;
  newHash: string;
  stableHash: string | undefined;
  /** The version the active Service selects now, if any. */
  activeHash: string | undefined;
  newRS: RsView;
  scaleUpPreviewCheckPoint: boolean;
  promoteFull: boolean;
  specPaused: boolean;
  pause: PauseState;
  /** Pre-promotion analysis configured, and the phase of its current run. */
  hasPre: boolean;
  prePhase: AnalysisPhase | undefined;
  hasPost: boolean;
  postPhase: AnalysisPhase | undefined;
}

/** The new ReplicaSet's size: full once active (or on first deploy), the preview count before. */
export function newReplicaCount(input: BlueGreenInput): number {
  if (!input.activeHash || input.activeHash === input.newHash) return input.replicas;
  if (input.previewReplicaCount !== undefined && !input.scaleUpPreviewCheckPoint && !input.promoteFull) {
    return Math.min(input.previewReplicaCount, input.replicas);
  }
  return input.replicas;
}

/** Every desired pod of the ReplicaSet is asked for and available. */
export function saturated(rs: RsView, desired: number): boolean {
  return rs.specReplicas === desired && rs.availableReplicas >= desired;
}

/** The rollout stops before the switch: a person promotes, or autoPromotionSeconds passes. */
function pausesBeforeSwitch(
  input: Pick<BlueGreenInput, 'autoPromotionEnabled' | 'autoPromotionSeconds'>,
): boolean {
  return !input.autoPromotionEnabled || (input.autoPromotionSeconds ?? 0) > 0;
}

/**
 * The pause before the switch. Returns true while it holds the switch back, with when to look
 * again for autoPromotionSeconds. Adds or removes the BlueGreenPause condition on `pause`.
 */
export function reconcileBlueGreenPause(input: BlueGreenInput): {
  holding: boolean;
  requeueAfterMs?: number;
} {
  const { pause } = input;
  if (input.specPaused) return { holding: true };
  if (pause.aborted || input.promoteFull || !pausesBeforeSwitch(input)) return { holding: false };
  if (input.activeHash === input.newHash || !input.activeHash) return { holding: false };
  const cond = pause.condition('BlueGreenPause');
  if (!cond) {
    if (pause.resumedByUser || input.scaleUpPreviewCheckPoint) return { holding: false };
    // Pause once the preview is up, so a person promotes something they can look at.
    if (!saturated(input.newRS, newReplicaCount(input))) return { holding: true };
    pause.addPause('BlueGreenPause');
    const seconds = input.autoPromotionEnabled ? input.autoPromotionSeconds : undefined;
    return seconds ? { holding: true, requeueAfterMs: seconds * 1000 } : { holding: true };
  }
  if (input.autoPromotionEnabled && input.autoPromotionSeconds) {
    const left = Date.parse(cond.startTime) + input.autoPromotionSeconds * 1000 - input.now.getTime();
    if (left <= 0) {
      pause.removePause('BlueGreenPause');
      return { holding: false };
    }
    return { holding: true, requeueAfterMs: left };
  }
  return { holding: true };
}

interface SwitchDecision {
  /** Point the active Service at the new version now. */
  switchActive: boolean;
  /** Scale the preview up to full size first (previewReplicaCount). */
  checkpoint: boolean;
  /** Waiting for something a person should know about. */
  waitingFor?: string | undefined;
}

/** Whether the active Service moves to the new version in this reconcile. */
export function decideSwitch(input: BlueGreenInput, pauseHolding: boolean): SwitchDecision {
  const none = (waitingFor?: string): SwitchDecision => ({
    switchActive: false,
    checkpoint: false,
    waitingFor,
  });
  if (input.pause.aborted) return none();
  if (input.activeHash === input.newHash) return none();
  const desired = newReplicaCount(input);
  if (!saturated(input.newRS, desired)) return none('preview pods becoming available');
  if (!input.activeHash) return { switchActive: true, checkpoint: false };
  if (!input.promoteFull) {
    if (input.hasPre && input.prePhase !== 'Successful') return none('pre-promotion analysis');
    if (pauseHolding) return none('promotion');
  }
  if (desired < input.replicas)
    return { switchActive: false, checkpoint: true, waitingFor: 'preview scaling up to full size' };
  return { switchActive: true, checkpoint: false };
}

/** The new version becomes stable once it is active and post-promotion analysis (if any) passed. */
export function promotionReason(input: BlueGreenInput, activeAfter: string | undefined): string | undefined {
  if (!input.stableHash) return 'Initial deploy';
  if (activeAfter !== input.newHash) return undefined;
  if (input.stableHash === input.newHash) return undefined;
  if (input.promoteFull) return 'Full promotion requested';
  if (input.pause.aborted) return undefined;
  if (input.hasPost && input.postPhase !== 'Successful') return undefined;
  return 'Completed blue-green update';
}
