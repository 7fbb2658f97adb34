// Pause and abort bookkeeping of one reconcile, after Argo Rollouts' pauseContext: decisions
// collect here and are folded into status once. `controllerPause` records that the controller
// paused; a person resumes by clearing status.pauseConditions (kubectl argo rollouts promote
// does exactly that), which the controller reads as "the pause is over".

import type { PauseCondition, PauseReason, RolloutStatus } from '../api/rollout.ts';
import { apiTime } from '../runtime/api-time.ts';

interface AbortRequest {
  reason: string;
  message: string;
}

export class PauseState {
  readonly previous: Pick<RolloutStatus, 'abort' | 'pauseConditions' | 'controllerPause'>;
  private readonly add = new Set<PauseReason>();
  private readonly remove = new Set<PauseReason>();
  private clear = false;
  private abortRequest: AbortRequest | undefined;
  private unabort = false;

  constructor(previous: Pick<RolloutStatus, 'abort' | 'pauseConditions' | 'controllerPause'>) {
    this.previous = previous;
  }

  get aborted(): boolean {
    if (this.unabort) return false;
    return this.abortRequest !== undefined || this.previous.abort === true;
  }

  /** Set when this reconcile decided to abort (as opposed to an abort already in status). */
  get newAbort(): AbortRequest | undefined {
    return this.abortRequest;
  }

  get addsPause(): boolean {
    return this.add.size > 0;
  }

  condition(reason: PauseReason): PauseCondition | undefined {
    return this.previous.pauseConditions?.find((c) => c.reason === reason);
  }

  /** The controller paused and a person has since cleared the pause conditions. */
  get resumedByUser(): boolean {
    return this.previous.controllerPause === true && (this.previous.pauseConditions?.length ?? 0) === 0;
  }

  requestAbort(request: AbortRequest): void {
    if (!this.aborted) this.abortRequest = request;
  }

  removeAbort(): void {
    this.unabort = true;
    this.abortRequest = undefined;
  }

  addPause(reason: PauseReason): void {
    this.add.add(reason);
  }

  removePause(reason: PauseReason): void {
    this.remove.add(reason);
  }

  clearPauses(): void {
    this.clear = true;
  }

  /**
   * The status fields these decisions produce. An abort drops every pause. `holdResume` keeps a
   * person's resume for a later reconcile when this one could not act on it (spec.paused).
   */
  result(
    now: Date,
    holdResume = false,
  ): Pick<RolloutStatus, 'abort' | 'pauseConditions' | 'controllerPause'> {
    if (this.aborted) return { abort: true, pauseConditions: undefined, controllerPause: undefined };
    if (this.clear) return { abort: undefined, pauseConditions: undefined, controllerPause: undefined };
    let controllerPause = this.previous.controllerPause === true;
    const kept = (this.previous.pauseConditions ?? []).filter((c) => !this.remove.has(c.reason));
    for (const reason of this.add) {
      if (this.previous.pauseConditions?.some((c) => c.reason === reason)) continue;
      kept.push({ reason, startTime: apiTime(now) });
      controllerPause = true;
    }
    if (kept.length === 0) {
      const hold = holdResume && this.resumedByUser;
      return { abort: undefined, pauseConditions: undefined, controllerPause: hold || undefined };
    }
    return { abort: undefined, pauseConditions: kept, controllerPause: controllerPause || undefined };
  }
}
