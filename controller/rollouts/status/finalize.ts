// Folds one reconcile's decisions into the status that is written: pause and abort fields,
// counts, selector, phase, message and conditions.

import { ROLLOUT_DEFAULTS, type RolloutStatus } from '../../api/rollout.ts';
import { hashOf, sourceRevisionRecordOf } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { formatSelector } from '../validate.ts';
import { computeConditions, PROGRESSING, ProgressReason, progressDeadline } from './conditions.ts';
import { computePhase } from './phase.ts';

/**
 * Before the strategy runs: has progressDeadlineSeconds passed without progress? With
 * progressDeadlineAbort that aborts the update.
 */
export function checkProgressDeadline(sync: RolloutSync): string | undefined {
  const { ro, pause } = sync;
  const prev = ro.status ?? {};
  const steps = ro.spec.strategy.canary?.steps ?? [];
  const running = (r: { status: string } | undefined) => r?.status === 'Running' || r?.status === 'Pending';
  // Analysis takes as long as its metrics say, which is not a lack of progress.
  const atAnalysis =
    steps[prev.currentStepIndex ?? 0]?.analysis !== undefined ||
    running(prev.blueGreen?.prePromotionAnalysisRunStatus) ||
    running(prev.blueGreen?.postPromotionAnalysisRunStatus);
  const paused = (prev.pauseConditions?.length ?? 0) > 0 || ro.spec.paused === true;
  const result = progressDeadline({
    previous: prev.conditions,
    deadlineSeconds: ro.spec.progressDeadlineSeconds ?? ROLLOUT_DEFAULTS.progressDeadlineSeconds,
    now: sync.now,
    exempt: paused || pause.aborted || atAnalysis || prev.phase === 'Healthy',
    newRSName: sync.ctx.newRS?.metadata.name,
  });
  sync.requeue(result.remainingMs !== undefined ? result.remainingMs + 1000 : undefined);
  if (result.timedOut && ro.spec.progressDeadlineAbort && !pause.aborted) {
    pause.requestAbort({ reason: ProgressReason.timedOut, message: result.timedOut });
    sync.abortMessage = result.timedOut;
  }
  return result.timedOut;
}

export function finalizeStatus(sync: RolloutSync, timedOut: string | undefined): void {
  const { ro, ctx, now } = sync;
  const prev = ro.status ?? {};
  const st = sync.status;
  Object.assign(st, sync.pause.result(now, sync.holdResume));
  const prevProgressing = prev.conditions?.find((c) => c.type === PROGRESSING);
  const abortRecorded = prevProgressing?.reason === ProgressReason.aborted;
  if (st.abort) {
    sync.abortMessage ??= abortRecorded
      ? prevProgressing?.message
      : 'aborted by a person (status.abort=true)';
    if (!abortRecorded) {
      st.abortedAt = now.toISOString();
      sync.event('Warning', 'RolloutAborted', `Rollout aborted: ${sync.abortMessage}`);
    }
  } else if (abortRecorded && prev.currentPodHash === st.currentPodHash) {
    sync.event('Normal', 'RolloutRetried', 'Rollout retried: starting the update again');
  }

  const replicas = ro.spec.replicas ?? ROLLOUT_DEFAULTS.replicas;
  const bg = ro.spec.strategy.blueGreen;
  const { activeRS, ...counts } = replicaCounts(ro, ctx, st.blueGreen?.activeSelector);
  Object.assign(st, counts, servingRevisions(ctx.allRSs, st));
  st.selector = activeRS ? formatSelector(activeRS.spec.selector) : formatSelector(ro.spec.selector);
  st.observedGeneration = ro.metadata.generation;

  const progressed = progressMade(prev, st);
  const stillTimedOut = progressed ? undefined : timedOut;
  const phase = computePhase({
    rollout: ro,
    status: st,
    abortMessage: sync.abortMessage,
    timedOut: stillTimedOut,
    pauseDetail: sync.pauseDetail,
    stepDetail: sync.stepDetail,
  });
  st.phase = phase.phase;
  st.message = phase.message || undefined;
  const available = bg
    ? !!activeRS && (activeRS.status?.availableReplicas ?? 0) >= replicas
    : (st.availableReplicas ?? 0) >= replicas;
  st.conditions = computeConditions({
    previous: prev.conditions,
    generation: ro.metadata.generation,
    phase,
    now,
    progressed,
    complete: phase.phase === 'Healthy',
    paused: (st.pauseConditions?.length ?? 0) > 0 || ro.spec.paused === true,
    abortMessage: st.abort ? sync.abortMessage : undefined,
    timedOut: stillTimedOut,
    available,
    newRSName: ctx.newRS?.metadata.name,
  });
}

/**
 * Which source revisions are serving: the stable ReplicaSet's, and the newest one's while it
 * is not stable. Read from the ReplicaSets, so a rollback names the revision really serving.
 */
export function servingRevisions(
  allRSs: RolloutSync['ctx']['allRSs'],
  st: Pick<RolloutStatus, 'stableRS' | 'currentPodHash'>,
): Pick<RolloutStatus, 'stableRevision' | 'canaryRevision'> {
  const find = (hash: string | undefined) => (hash ? allRSs.find((rs) => hashOf(rs) === hash) : undefined);
  const canary = st.currentPodHash !== st.stableRS ? find(st.currentPodHash) : undefined;
  return {
    stableRevision: sourceRevisionRecordOf(find(st.stableRS)),
    canaryRevision: sourceRevisionRecordOf(canary),
  };
}

type Counts = Pick<RolloutStatus, 'replicas' | 'readyReplicas' | 'updatedReplicas' | 'availableReplicas'>;

/**
 * The pod counts the ReplicaSets report. With blue-green only the active ReplicaSet's
 * pods are available: the preview is not serving.
 */
function replicaCounts(
  ro: RolloutSync['ro'],
  ctx: Pick<RolloutSync['ctx'], 'allRSs' | 'newRS'>,
  activeHash: string | undefined,
): Counts & { activeRS: RolloutSync['ctx']['newRS'] } {
  const sum = (f: (n: NonNullable<(typeof ctx.allRSs)[number]['status']>) => number | undefined) =>
    ctx.allRSs.reduce((t, rs) => t + (f(rs.status ?? {}) ?? 0), 0);
  const activeRS = ro.spec.strategy.blueGreen
    ? ctx.allRSs.find((rs) => hashOf(rs) === activeHash)
    : undefined;
  return {
    replicas: sum((x) => x.replicas),
    readyReplicas: sum((x) => x.readyReplicas),
    updatedReplicas: ctx.newRS?.status?.replicas ?? 0,
    availableReplicas: ro.spec.strategy.blueGreen
      ? (activeRS?.status?.availableReplicas ?? 0)
      : sum((x) => x.availableReplicas),
    activeRS,
  };
}

/** Something moved: pods, the step, the version. Resets the progress deadline. */
function progressMade(prev: RolloutStatus, next: RolloutStatus): boolean {
  const keys = [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'currentStepIndex',
    'currentPodHash',
    'stableRS',
  ] as const;
  return keys.some((k) => prev[k] !== next[k]);
}

/** The status a stalled reconcile writes: the conditions say why, the rest stays. */
export function stalledStatus(
  sync: { ro: RolloutSync['ro']; now: Date; ctx?: RolloutSync['ctx'] },
  reason: string,
  message: string,
): RolloutStatus {
  const prev = sync.ro.status ?? {};
  const st = structuredClone(prev);
  // The pods are still there when routing or a Service fails: report them, not 0 ready.
  if (sync.ctx) {
    const { activeRS: _, ...counts } = replicaCounts(sync.ro, sync.ctx, prev.blueGreen?.activeSelector);
    Object.assign(st, counts);
  }
  const phase = { phase: 'Degraded' as const, message: `${reason}: ${message}` };
  st.phase = phase.phase;
  st.message = phase.message;
  st.observedGeneration = sync.ro.metadata.generation;
  st.conditions = computeConditions({
    previous: prev.conditions,
    generation: sync.ro.metadata.generation,
    phase,
    now: sync.now,
    progressed: false,
    complete: false,
    paused: false,
    invalidSpec: reason === 'InvalidSpec' || reason === 'InvalidAnalysis' ? message : undefined,
    stalledReason: reason,
    available: (st.availableReplicas ?? 0) >= (sync.ro.spec.replicas ?? ROLLOUT_DEFAULTS.replicas),
  });
  return st;
}
