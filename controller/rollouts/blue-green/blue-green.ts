// One reconcile of a blue-green Rollout (Argo Rollouts' rolloutBlueGreen): the new ReplicaSet
// at preview size behind previewService, pre-promotion analysis and the pause before the
// switch, the switch of activeService, post-promotion analysis, and the old version kept for
// scaleDownDelaySeconds so an abort can switch straight back.

import type { AnalysisPhase } from '../../api/analysis.ts';
import type { BlueGreenStrategy, RolloutAnalysis } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import { ensureRun, judgeRun, terminateOtherRuns, trimRunHistory } from '../analysis/analysis-runs.ts';
import { baseRunName, type RunSlot, runNameForSlot } from '../analysis/run-names.ts';
import { timestamp } from '../pause.ts';
import { hashOf, type ReplicaSet, viewOf } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { selectedHash } from '../services.ts';
import { ensureNewReplicaSet, fastRollbackReason, trimReplicaSetHistory } from '../workload.ts';
import {
  type BlueGreenInput,
  decideSwitch,
  newReplicaCount,
  promotionReason,
  reconcileBlueGreenPause,
  saturated,
} from './decisions.ts';

export async function syncBlueGreen(s: RolloutSync): Promise<void> {
  const { ro, ctx, pause, now } = s;
  const bg = ro.spec.strategy.blueGreen as BlueGreenStrategy;
  const replicas = ro.spec.replicas ?? ROLLOUT_DEFAULTS.replicas;
  const prev = ro.status ?? {};
  const activeSvc = await s.service(bg.activeService);
  const previewSvc = bg.previewService ? await s.service(bg.previewService) : undefined;
  const activeHash = selectedHash(activeSvc);

  if (prev.currentPodHash !== ctx.newHash) {
    pause.clearPauses();
    pause.removeAbort();
    s.status.promoteFull = undefined;
    s.status.blueGreen = {
      ...(s.status.blueGreen ?? {}),
      prePromotionAnalysisRunStatus: undefined,
      postPromotionAnalysisRunStatus: undefined,
      scaleUpPreviewCheckPoint: undefined,
    };
    if (prev.currentPodHash)
      s.event('Normal', 'RolloutUpdated', `Updating from ${prev.stableRS ?? 'nothing'} to ${ctx.newHash}`);
    const rollback = fastRollbackReason(s);
    if (rollback) {
      s.status.promoteFull = true;
      s.event('Normal', 'FastRollback', `Skipping analysis and the pause: ${rollback}`);
    }
    s.status.currentPodHash = ctx.newHash;
    if (!ro.spec.paused || ctx.newRS) await ensureNewReplicaSet(s, activeHash ? 0 : replicas);
    recordSelectors(s, activeHash, selectedHash(previewSvc));
    return;
  }
  const newRS =
    ro.spec.paused && !ctx.newRS ? undefined : await ensureNewReplicaSet(s, activeHash ? 0 : replicas);
  if (!newRS) return;
  await trimReplicaSetHistory(s);

  const abortedBefore = pause.aborted;
  const promoteFull = prev.promoteFull === true && prev.stableRS !== ctx.newHash;
  const input: BlueGreenInput = {
    replicas,
    previewReplicaCount: bg.previewReplicaCount,
    autoPromotionEnabled: bg.autoPromotionEnabled ?? ROLLOUT_DEFAULTS.autoPromotionEnabled,
    autoPromotionSeconds: bg.autoPromotionSeconds,
    now,
    newHash: ctx.newHash,
    stableHash: prev.stableRS,
    activeHash,
    newRS: viewOf(newRS),
    scaleUpPreviewCheckPoint: prev.blueGreen?.scaleUpPreviewCheckPoint === true,
    promoteFull,
    specPaused: ro.spec.paused === true,
    pause,
    hasPre: !!bg.prePromotionAnalysis,
    prePhase: undefined,
    hasPost: !!bg.postPromotionAnalysis,
    postPhase: undefined,
  };

  // Sizes: the new ReplicaSet at preview or full size; the active one full; others wait for their deadline.
  await scaleNew(s, newRS, input, abortedBefore);
  const activeRS = ctx.allRSs.find((rs) => hashOf(rs) === activeHash && rs !== newRS);
  if (activeRS) {
    if (viewOf(activeRS).deadline) await s.setDeadline(activeRS, null);
    await s.scale(activeRS, replicas);
  }
  await scaleDownOthers(s, [newRS, activeRS]);

  let previewAfter = selectedHash(previewSvc);
  if (previewSvc && saturated(viewOf(newRS), newRS.spec.replicas ?? 0) && (newRS.spec.replicas ?? 0) > 0) {
    await s.pointService(previewSvc.metadata.name, ctx.newHash, 'preview');
    previewAfter = ctx.newHash;
  }

  // Analysis before and after the switch.
  const skip = abortedBefore || input.promoteFull || !prev.stableRS;
  const keep = new Set<string>();
  const preWanted =
    !skip && !!activeHash && activeHash !== ctx.newHash && saturated(input.newRS, newReplicaCount(input));
  input.prePhase = await slotRun(s, keep, {
    analysis: bg.prePromotionAnalysis,
    slot: { type: 'pre-promotion' },
    label: 'pre-promotion',
    wanted: preWanted,
    recordedKey: 'prePromotionAnalysisRunStatus',
  });
  const postWanted = !skip && activeHash === ctx.newHash && prev.stableRS !== ctx.newHash;
  input.postPhase = await slotRun(s, keep, {
    analysis: bg.postPromotionAnalysis,
    slot: { type: 'post-promotion' },
    label: 'post-promotion',
    wanted: postWanted,
    recordedKey: 'postPromotionAnalysisRunStatus',
  });
  await terminateOtherRuns(s, keep);
  await trimRunHistory(s, keep);

  // The pause and the switch.
  const pauseResult = reconcileBlueGreenPause(input);
  s.requeue(pauseResult.requeueAfterMs);
  const decision = decideSwitch(input, pauseResult.holding);
  if (decision.waitingFor === 'pre-promotion analysis' && pause.resumedByUser) s.holdResume = true;
  if (ro.spec.paused) s.holdResume = true;
  let activeAfter = activeHash;
  if (pause.aborted && prev.stableRS && activeHash !== prev.stableRS && ctx.stableRS) {
    // Aborted after the switch: straight back to the stable version, still running thanks to scaleDownDelay.
    await s.pointService(bg.activeService, prev.stableRS, 'active');
    activeAfter = prev.stableRS;
  } else if (decision.checkpoint) {
    s.status.blueGreen = { ...(s.status.blueGreen ?? {}), scaleUpPreviewCheckPoint: true };
  } else if (decision.switchActive && !ro.spec.paused) {
    if (activeRS && (activeRS.spec.replicas ?? 0) > 0) {
      const delay = bg.scaleDownDelaySeconds ?? ROLLOUT_DEFAULTS.scaleDownDelaySeconds;
      await s.setDeadline(activeRS, timestamp(new Date(now.getTime() + delay * 1000)));
      s.requeue(delay * 1000);
    }
    await s.pointService(bg.activeService, ctx.newHash, 'active');
    activeAfter = ctx.newHash;
    s.status.blueGreen = { ...(s.status.blueGreen ?? {}), scaleUpPreviewCheckPoint: undefined };
  }
  const promote = promotionReason(input, activeAfter);
  if (promote) {
    pause.clearPauses();
    pause.removeAbort();
    if (prev.stableRS !== ctx.newHash)
      s.event('Normal', 'RolloutCompleted', `Promoted ${ctx.newHash} to stable: ${promote}`);
    s.status.stableRS = ctx.newHash;
    s.status.promoteFull = undefined;
    s.status.blueGreen = { ...(s.status.blueGreen ?? {}), scaleUpPreviewCheckPoint: undefined };
  }
  recordSelectors(s, activeAfter, previewAfter);
  s.stepDetail = decision.waitingFor ? `waiting for ${decision.waitingFor}` : undefined;
  if (pause.condition('BlueGreenPause') || pause.addsPause) {
    const secs = input.autoPromotionEnabled ? input.autoPromotionSeconds : undefined;
    s.pauseDetail.BlueGreenPause = `preview ${ctx.newHash} is ready; ${secs ? `promotes itself after ${secs}s, or ` : ''}promote to switch ${bg.activeService}`;
  }
}

async function scaleNew(
  s: RolloutSync,
  newRS: ReplicaSet,
  input: BlueGreenInput,
  aborted: boolean,
): Promise<void> {
  const bg = s.ro.spec.strategy.blueGreen as BlueGreenStrategy;
  if (!aborted) {
    if (viewOf(newRS).deadline) await s.setDeadline(newRS, null);
    await s.scale(newRS, newReplicaCount(input));
    return;
  }
  if (input.stableHash === input.newHash) return;
  // The new version of an aborted update leaves after abortScaleDownDelaySeconds (0 keeps it).
  const delay = bg.abortScaleDownDelaySeconds ?? ROLLOUT_DEFAULTS.abortScaleDownDelaySeconds;
  if (delay === 0 || (newRS.spec.replicas ?? 0) === 0) return;
  const deadline = viewOf(newRS).deadline;
  if (!deadline) {
    await s.setDeadline(newRS, timestamp(new Date(s.now.getTime() + delay * 1000)));
    s.requeue(delay * 1000);
    return;
  }
  const left = Date.parse(deadline) - s.now.getTime();
  if (left > 0) s.requeue(left);
  else await s.scale(newRS, 0);
}

/** ReplicaSets that are neither new nor active go to zero once their deadline (if any) has passed. */
async function scaleDownOthers(s: RolloutSync, current: readonly (ReplicaSet | undefined)[]): Promise<void> {
  const bg = s.ro.spec.strategy.blueGreen as BlueGreenStrategy;
  const limit = bg.scaleDownDelayRevisionLimit ?? Number.MAX_SAFE_INTEGER;
  let waiting = 0;
  for (const rs of s.ctx.allRSs) {
    if (current.includes(rs) || (rs.spec.replicas ?? 0) === 0) continue;
    const deadline = viewOf(rs).deadline;
    if (deadline) {
      waiting++;
      const left = Date.parse(deadline) - s.now.getTime();
      if (left > 0 && waiting <= limit) {
        s.requeue(left);
        continue;
      }
    }
    await s.scale(rs, 0);
  }
}

type RecordedKey = 'prePromotionAnalysisRunStatus' | 'postPromotionAnalysisRunStatus';

async function slotRun(
  s: RolloutSync,
  keep: Set<string>,
  opts: {
    analysis: RolloutAnalysis | undefined;
    slot: RunSlot;
    label: string;
    wanted: boolean;
    recordedKey: RecordedKey;
  },
): Promise<AnalysisPhase | undefined> {
  const recorded = s.ro.status?.blueGreen?.[opts.recordedKey];
  if (!opts.analysis) {
    s.status.blueGreen = { ...(s.status.blueGreen ?? {}), [opts.recordedKey]: undefined };
    return undefined;
  }
  if (!opts.wanted)
    return recorded?.name.startsWith(`${s.ro.metadata.name}-${s.ctx.newHash}-`) ? recorded.status : undefined;
  const base = baseRunName(s.ro.metadata.name, s.ctx.newHash, opts.slot, s.ro.status?.abortedAt);
  const recordedRun = recorded ? s.ctx.runs.find((r) => r.metadata.name === recorded.name) : undefined;
  const name = runNameForSlot({
    base,
    recorded,
    recordedPhase: recordedRun?.status?.phase,
    resumedFromInconclusive: s.pause.resumedByUser,
  });
  const create = !s.pause.condition('InconclusiveAnalysisRun') && !s.pause.aborted;
  const run = await ensureRun(s, {
    slot: opts.slot,
    label: opts.label,
    analysis: opts.analysis,
    name,
    create,
  });
  if (!run) return undefined;
  keep.add(run.metadata.name);
  const status = judgeRun(s, run, opts.label, recorded);
  s.status.blueGreen = { ...(s.status.blueGreen ?? {}), [opts.recordedKey]: status };
  return run.status?.phase;
}

function recordSelectors(s: RolloutSync, active: string | undefined, preview: string | undefined): void {
  s.status.blueGreen = {
    ...(s.status.blueGreen ?? {}),
    activeSelector: active,
    previewSelector: preview,
  };
}
