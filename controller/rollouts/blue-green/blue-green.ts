// One reconcile of a blue-green Rollout (Argo Rollouts' rolloutBlueGreen): the new ReplicaSet
// at preview size behind previewService, pre-promotion analysis and the pause before the
// switch, the switch of activeService, post-promotion analysis, and the old version kept for
// scaleDownDelaySeconds so an abort can switch straight back.

import type { AnalysisPhase } from '../../api/analysis.ts';
import type { BlueGreenStrategy, RolloutAnalysis } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import { apiTime } from '../../runtime/api-time.ts';
import { ensureRun, judgeRun, terminateOtherRuns, trimRunHistory } from '../analysis/analysis-runs.ts';
import { baseRunName, type RunSlot, runNameForSlot } from '../analysis/run-names.ts';
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

export async function syncBlueGreen(sync: RolloutSync): Promise<void> {
  const { ro, ctx, pause, now } = sync;
  const bg = ro.spec.strategy.blueGreen as BlueGreenStrategy;
  const replicas = ro.spec.replicas ?? ROLLOUT_DEFAULTS.replicas;
  const prev = ro.status ?? {};
  const activeSvc = await sync.service(bg.activeService);
  const previewSvc = bg.previewService ? await sync.service(bg.previewService) : undefined;
  const activeHash = selectedHash(activeSvc);

  if (prev.currentPodHash !== ctx.newHash) {
    pause.clearPauses();
    pause.removeAbort();
    sync.status.promoteFull = undefined;
    sync.status.blueGreen = {
      ...(sync.status.blueGreen ?? {}),
      prePromotionAnalysisRunStatus: undefined,
      postPromotionAnalysisRunStatus: undefined,
      scaleUpPreviewCheckPoint: undefined,
    };
    if (prev.currentPodHash)
      sync.event('Normal', 'RolloutUpdated', `Updating from ${prev.stableRS ?? 'nothing'} to ${ctx.newHash}`);
    const rollback = fastRollbackReason(sync);
    if (rollback) {
      sync.status.promoteFull = true;
      sync.event('Normal', 'FastRollback', `Skipping analysis and the pause: ${rollback}`);
    }
    sync.status.currentPodHash = ctx.newHash;
    if (!ro.spec.paused || ctx.newRS) await ensureNewReplicaSet(sync, activeHash ? 0 : replicas);
    recordSelectors(sync, activeHash, selectedHash(previewSvc));
    return;
  }
  const newRS =
    ro.spec.paused && !ctx.newRS ? undefined : await ensureNewReplicaSet(sync, activeHash ? 0 : replicas);
  if (!newRS) return;
  await trimReplicaSetHistory(sync);

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
  await scaleNew(sync, newRS, input, abortedBefore);
  const activeRS = ctx.allRSs.find((rs) => hashOf(rs) === activeHash && rs !== newRS);
  if (activeRS) {
    if (viewOf(activeRS).deadline) await sync.setDeadline(activeRS, null);
    await sync.scale(activeRS, replicas);
  }
  await scaleDownOthers(sync, [newRS, activeRS]);

  let previewAfter = selectedHash(previewSvc);
  if (previewSvc && saturated(viewOf(newRS), newRS.spec.replicas ?? 0) && (newRS.spec.replicas ?? 0) > 0) {
    await sync.pointService(previewSvc.metadata.name, ctx.newHash, 'preview');
    previewAfter = ctx.newHash;
  }

  // Analysis before and after the switch.
  const skip = abortedBefore || input.promoteFull || !prev.stableRS;
  const keep = new Set<string>();
  const preWanted =
    !skip && !!activeHash && activeHash !== ctx.newHash && saturated(input.newRS, newReplicaCount(input));
  input.prePhase = await slotRun(sync, keep, {
    analysis: bg.prePromotionAnalysis,
    slot: { type: 'pre-promotion' },
    label: 'pre-promotion',
    wanted: preWanted,
    recordedKey: 'prePromotionAnalysisRunStatus',
  });
  const postWanted = !skip && activeHash === ctx.newHash && prev.stableRS !== ctx.newHash;
  input.postPhase = await slotRun(sync, keep, {
    analysis: bg.postPromotionAnalysis,
    slot: { type: 'post-promotion' },
    label: 'post-promotion',
    wanted: postWanted,
    recordedKey: 'postPromotionAnalysisRunStatus',
  });
  await terminateOtherRuns(sync, keep);
  await trimRunHistory(sync, keep);

  // The pause and the switch.
  const pauseResult = reconcileBlueGreenPause(input);
  sync.requeue(pauseResult.requeueAfterMs);
  const decision = decideSwitch(input, pauseResult.holding);
  if (decision.waitingFor === 'pre-promotion analysis' && pause.resumedByUser) sync.holdResume = true;
  if (ro.spec.paused) sync.holdResume = true;
  let activeAfter = activeHash;
  if (pause.aborted && prev.stableRS && activeHash !== prev.stableRS && ctx.stableRS) {
    // Aborted after the switch: straight back to the stable version, still running thanks to scaleDownDelay.
    await sync.pointService(bg.activeService, prev.stableRS, 'active');
    activeAfter = prev.stableRS;
  } else if (decision.checkpoint) {
    sync.status.blueGreen = { ...(sync.status.blueGreen ?? {}), scaleUpPreviewCheckPoint: true };
  } else if (decision.switchActive && !ro.spec.paused) {
    if (activeRS && (activeRS.spec.replicas ?? 0) > 0) {
      const delay = bg.scaleDownDelaySeconds ?? ROLLOUT_DEFAULTS.scaleDownDelaySeconds;
      await sync.setDeadline(activeRS, apiTime(new Date(now.getTime() + delay * 1000)));
      sync.requeue(delay * 1000);
    }
    await sync.pointService(bg.activeService, ctx.newHash, 'active');
    activeAfter = ctx.newHash;
    sync.status.blueGreen = { ...(sync.status.blueGreen ?? {}), scaleUpPreviewCheckPoint: undefined };
  }
  const promote = promotionReason(input, activeAfter);
  if (promote) {
    pause.clearPauses();
    pause.removeAbort();
    if (prev.stableRS !== ctx.newHash)
      sync.event('Normal', 'RolloutCompleted', `Promoted ${ctx.newHash} to stable: ${promote}`);
    sync.status.stableRS = ctx.newHash;
    sync.status.promoteFull = undefined;
    sync.status.blueGreen = { ...(sync.status.blueGreen ?? {}), scaleUpPreviewCheckPoint: undefined };
  }
  recordSelectors(sync, activeAfter, previewAfter);
  sync.stepDetail = decision.waitingFor ? `waiting for ${decision.waitingFor}` : undefined;
  if (pause.condition('BlueGreenPause') || pause.addsPause) {
    const secs = input.autoPromotionEnabled ? input.autoPromotionSeconds : undefined;
    sync.pauseDetail.BlueGreenPause = `preview ${ctx.newHash} is ready; ${secs ? `promotes itself after ${secs}s, or ` : ''}promote to switch ${bg.activeService}`;
  }
}

async function scaleNew(
  sync: RolloutSync,
  newRS: ReplicaSet,
  input: BlueGreenInput,
  aborted: boolean,
): Promise<void> {
  const bg = sync.ro.spec.strategy.blueGreen as BlueGreenStrategy;
  if (!aborted) {
    if (viewOf(newRS).deadline) await sync.setDeadline(newRS, null);
    await sync.scale(newRS, newReplicaCount(input));
    return;
  }
  if (input.stableHash === input.newHash) return;
  // The new version of an aborted update leaves after abortScaleDownDelaySeconds (0 keeps it).
  const delay = bg.abortScaleDownDelaySeconds ?? ROLLOUT_DEFAULTS.abortScaleDownDelaySeconds;
  if (delay === 0 || (newRS.spec.replicas ?? 0) === 0) return;
  const deadline = viewOf(newRS).deadline;
  if (!deadline) {
    await sync.setDeadline(newRS, apiTime(new Date(sync.now.getTime() + delay * 1000)));
    sync.requeue(delay * 1000);
    return;
  }
  const left = Date.parse(deadline) - sync.now.getTime();
  if (left > 0) sync.requeue(left);
  else await sync.scale(newRS, 0);
}

/** ReplicaSets that are neither new nor active go to zero once their deadline (if any) has passed. */
async function scaleDownOthers(
  sync: RolloutSync,
  current: readonly (ReplicaSet | undefined)[],
): Promise<void> {
  const bg = sync.ro.spec.strategy.blueGreen as BlueGreenStrategy;
  const limit = bg.scaleDownDelayRevisionLimit ?? Number.MAX_SAFE_INTEGER;
  let waiting = 0;
  for (const rs of sync.ctx.allRSs) {
    if (current.includes(rs) || (rs.spec.replicas ?? 0) === 0) continue;
    const deadline = viewOf(rs).deadline;
    if (deadline) {
      waiting++;
      const left = Date.parse(deadline) - sync.now.getTime();
      if (left > 0 && waiting <= limit) {
        sync.requeue(left);
        continue;
      }
    }
    await sync.scale(rs, 0);
  }
}

type RecordedKey = 'prePromotionAnalysisRunStatus' | 'postPromotionAnalysisRunStatus';

async function slotRun(
  sync: RolloutSync,
  keep: Set<string>,
  opts: {
    analysis: RolloutAnalysis | undefined;
    slot: RunSlot;
    label: string;
    wanted: boolean;
    recordedKey: RecordedKey;
  },
): Promise<AnalysisPhase | undefined> {
  const recorded = sync.ro.status?.blueGreen?.[opts.recordedKey];
  if (!opts.analysis) {
    sync.status.blueGreen = { ...(sync.status.blueGreen ?? {}), [opts.recordedKey]: undefined };
    return undefined;
  }
  if (!opts.wanted)
    return recorded?.name.startsWith(`${sync.ro.metadata.name}-${sync.ctx.newHash}-`)
      ? recorded.status
      : undefined;
  const base = baseRunName(sync.ro.metadata.name, sync.ctx.newHash, opts.slot, sync.ro.status?.abortedAt);
  const recordedRun = recorded ? sync.ctx.runs.find((r) => r.metadata.name === recorded.name) : undefined;
  const name = runNameForSlot({
    base,
    recorded,
    recordedPhase: recordedRun?.status?.phase,
    resumedFromInconclusive: sync.pause.resumedByUser,
  });
  const create = !sync.pause.condition('InconclusiveAnalysisRun') && !sync.pause.aborted;
  const run = await ensureRun(sync, {
    slot: opts.slot,
    label: opts.label,
    analysis: opts.analysis,
    name,
    create,
  });
  if (!run) return undefined;
  keep.add(run.metadata.name);
  const status = judgeRun(sync, run, opts.label, recorded);
  sync.status.blueGreen = { ...(sync.status.blueGreen ?? {}), [opts.recordedKey]: status };
  return run.status?.phase;
}

function recordSelectors(sync: RolloutSync, active: string | undefined, preview: string | undefined): void {
  sync.status.blueGreen = {
    ...(sync.status.blueGreen ?? {}),
    activeSelector: active,
    previewSelector: preview,
  };
}
