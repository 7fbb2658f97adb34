// One reconcile of a canary Rollout, in Argo Rollouts' order (rollout/canary.go): the new
// ReplicaSet, history, Services, traffic weight, analysis, replica counts, pause, and last
// the step machine. Decisions are the pure functions next door; this file does the I/O.

import type { CanaryStrategy } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import { apiTime } from '../../runtime/api-time.ts';
import { allCreated, availableEnough, type ProgressThreshold, sumAvailable } from '../replica-math.ts';
import { viewOf } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { maxTrafficWeight, routerFor } from '../traffic/routers.ts';
import { ensureNewReplicaSet, fastRollbackReason, trimReplicaSetHistory } from '../workload.ts';
import { reconcileCanaryAnalysis } from './canary-analysis.ts';
import { reconcileCanaryExperiment } from './canary-experiment.ts';
import { describePause, describeStep } from './describe.ts';
import { routeStepWrites } from './route-steps.ts';
import { type CanaryScalePlan, planCanaryScale, type RsView } from './scale-plan.ts';
import { decideCanaryProgress, reconcilePauseStep } from './step-machine.ts';
import { activeCanaryScale, currentSetWeight, currentStepIndex, stepsHash } from './steps.ts';
import { desiredWeight, replicaRatioWeight } from './traffic-weight.ts';

const WEIGHT_VERIFY_RETRY_MS = 5_000;

export async function syncCanary(sync: RolloutSync): Promise<void> {
  const { ro, ctx, pause, now } = sync;
  const canary = ro.spec.strategy.canary as CanaryStrategy;
  const steps = canary.steps ?? [];
  const replicas = ro.spec.replicas ?? ROLLOUT_DEFAULTS.replicas;
  const prev = ro.status ?? {};
  const sHash = stepsHash(ro);

  if (prev.currentPodHash !== ctx.newHash || prev.currentStepHash !== sHash) {
    startUpdate(sync, steps.length, sHash);
    if (!ro.spec.paused || ctx.newRS) await ensureNewReplicaSet(sync, ctx.stableRS ? 0 : replicas);
    return;
  }
  const newRS =
    ro.spec.paused && !ctx.newRS ? undefined : await ensureNewReplicaSet(sync, ctx.stableRS ? 0 : replicas);
  if (!newRS) return;
  await trimReplicaSetHistory(sync);

  const stableRS = ctx.stableRS && ctx.stableRS !== newRS ? ctx.stableRS : undefined;
  const fullyPromoted = prev.stableRS === ctx.newHash;
  const index = currentStepIndex(steps, prev.currentStepIndex);
  const abortedBefore = pause.aborted;
  const promoteFull = prev.promoteFull === true && !fullyPromoted;
  const trafficRouted = canary.trafficRouting !== undefined;
  const dynamic = canary.dynamicStableScale === true;
  const abortDelay = canary.abortScaleDownDelaySeconds ?? ROLLOUT_DEFAULTS.abortScaleDownDelaySeconds;
  const newView = viewOf(newRS);
  const stableView = stableRS ? viewOf(stableRS) : undefined;
  const olderViews = ctx.olderRSs.map(viewOf);
  const weightsNow = sync.status.canary?.weights;
  const maxWeight = maxTrafficWeight(ro);

  const simple = promoteFull || fullyPromoted || !prev.stableRS;
  const plan = planCanaryScale({
    replicas,
    weight: simple ? maxWeight : currentSetWeight(steps, index, abortedBefore, maxWeight),
    maxWeight,
    canaryScale: simple
      ? undefined
      : activeCanaryScale(steps, index, {
          trafficRouted,
          aborted: abortedBefore,
          keepCanaryOnAbort: abortDelay === 0,
        }),
    trafficRouted,
    dynamicStableScale: dynamic,
    aborted: abortedBefore,
    maxSurge: canary.maxSurge ?? ROLLOUT_DEFAULTS.canaryMaxSurge,
    maxUnavailable: canary.maxUnavailable ?? ROLLOUT_DEFAULTS.canaryMaxUnavailable,
    newRS: newView,
    stableRS: stableView,
    olderRSs: olderViews,
    actualWeights:
      weightsNow?.canary && weightsNow.stable
        ? { canary: weightsNow.canary.weight, stable: weightsNow.stable.weight }
        : undefined,
    abortScaleDownDelaySeconds: abortDelay,
    scaleDownRevisionLimit: canary.scaleDownDelayRevisionLimit ?? Number.MAX_SAFE_INTEGER,
    minPods: canary.minPodsPerReplicaSet,
    now,
  });
  const threshold = trafficRouted ? canary.replicaProgressThreshold : undefined;
  const atDesired = atDesiredCounts(plan, newView, stableView, olderViews, trafficRouted, dynamic, threshold);

  // Services: stable → the stable version; canary → the new one once it has a pod to serve.
  if (canary.stableService && prev.stableRS && (stableRS || fullyPromoted)) {
    await sync.pointService(canary.stableService, prev.stableRS, 'stable');
  }
  if (canary.canaryService && (newView.availableReplicas > 0 || fullyPromoted)) {
    await sync.pointService(canary.canaryService, ctx.newHash, 'canary');
  }

  const verified = await reconcileTraffic(sync, {
    steps,
    index,
    fullyPromoted,
    aborted: abortedBefore,
    promoteFull,
    dynamic,
    replicas,
    newView,
    stableView,
    olderViews,
    atDesired,
  });

  const skipAnalysis = abortedBefore || promoteFull || !prev.stableRS || fullyPromoted;
  const stepRunPhase = await reconcileCanaryAnalysis(sync, {
    steps,
    index,
    skip: skipAnalysis,
    fullyPromoted,
  });
  const stepExperimentPhase = await reconcileCanaryExperiment(sync, { steps, index, skip: skipAnalysis });

  for (const action of plan.actions) {
    const rs = sync.rsByName(action.name);
    if (!rs) continue;
    if (action.deadline !== undefined) await sync.setDeadline(rs, action.deadline);
    if (action.replicas !== undefined) await sync.scale(rs, action.replicas);
  }
  sync.requeue(plan.requeueAfterMs);

  const pauseStep = { steps, index, specPaused: ro.spec.paused === true, promoteFull, pause, now };
  sync.requeue(reconcilePauseStep(pauseStep).requeueAfterMs);

  const progress = decideCanaryProgress({
    ...pauseStep,
    atDesiredReplicas: atDesired,
    weightVerified: verified,
    stepRunPhase,
    stepExperimentPhase,
    hasStable: stableRS !== undefined,
    newFullyAvailable: newView.availableReplicas >= replicas && newView.specReplicas >= replicas,
  });
  if (progress.completed) {
    sync.event(
      'Normal',
      'RolloutStepCompleted',
      `Step ${progress.completed.from + 1}/${steps.length} completed (${progress.completed.step})`,
    );
    if (sync.status.canary) {
      sync.status.canary.currentStepAnalysisRunStatus = undefined;
      sync.status.canary.currentExperiment = undefined;
    }
  }
  if (progress.promote) {
    if (stableRS && trafficRouted && (stableRS.spec.replicas ?? 0) > 0) {
      // Keep the old stable up for a fast rollback while traffic drains from it.
      const delay = canary.scaleDownDelaySeconds ?? ROLLOUT_DEFAULTS.scaleDownDelaySeconds;
      await sync.setDeadline(stableRS, apiTime(new Date(now.getTime() + delay * 1000)));
      sync.requeue(delay * 1000);
    }
    if (prev.stableRS !== ctx.newHash) {
      sync.event('Normal', 'RolloutCompleted', `Promoted ${ctx.newHash} to stable: ${progress.promote}`);
    }
    sync.status.stableRS = ctx.newHash;
    sync.status.promoteFull = undefined;
  }
  if (sync.ro.spec.paused) sync.holdResume = true;
  sync.status.currentStepIndex = steps.length > 0 ? progress.index : undefined;
  sync.stepDetail = describeStep(steps, progress.index);
  describePause(sync, steps, progress.index);
}

/** A new template or new steps: start the steps over (or skip them when going back to stable). */
function startUpdate(sync: RolloutSync, stepCount: number, sHash: string): void {
  const { ctx, pause } = sync;
  pause.clearPauses();
  pause.removeAbort();
  sync.status.promoteFull = undefined;
  sync.status.canary = {
    ...(sync.status.canary ?? {}),
    currentStepAnalysisRunStatus: undefined,
    currentBackgroundAnalysisRunStatus: undefined,
  };
  sync.status.currentStepIndex = stepCount > 0 ? 0 : undefined;
  if (sync.ro.status?.stableRS === ctx.newHash && stepCount > 0) {
    sync.status.currentStepIndex = stepCount;
    sync.event('Normal', 'SkipSteps', `Rolled back to the stable version ${ctx.newHash}: skipping the steps`);
  } else if (sync.ro.status?.currentPodHash) {
    sync.event(
      'Normal',
      'RolloutUpdated',
      `Updating from ${sync.ro.status.stableRS ?? 'nothing'} to ${ctx.newHash}`,
    );
  }
  const rollback = fastRollbackReason(sync);
  if (rollback) {
    sync.status.promoteFull = true;
    sync.event('Normal', 'FastRollback', `Skipping steps and analysis: ${rollback}`);
  }
  sync.status.currentPodHash = ctx.newHash;
  sync.status.currentStepHash = sHash;
}

interface TrafficInput {
  steps: NonNullable<CanaryStrategy['steps']>;
  index: number;
  fullyPromoted: boolean;
  aborted: boolean;
  promoteFull: boolean;
  dynamic: boolean;
  replicas: number;
  newView: RsView;
  stableView: RsView | undefined;
  olderViews: RsView[];
  atDesired: boolean;
}

/** Sets (and checks) the router's weight, or reports the replica ratio; records status.canary.weights. */
async function reconcileTraffic(sync: RolloutSync, t: TrafficInput): Promise<boolean | undefined> {
  const canary = sync.ro.spec.strategy.canary as CanaryStrategy;
  const stableHash = sync.ro.status?.stableRS;
  const router = routerFor(sync.ro, sync.api, { canary: sync.ctx.newHash, stable: stableHash });
  const previous = sync.status.canary?.weights;
  let weight: number;
  let verified: boolean | undefined;
  if (router) {
    const decision = desiredWeight({
      steps: t.steps,
      index: t.index,
      fullyPromoted: t.fullyPromoted,
      aborted: t.aborted,
      promoteFull: t.promoteFull,
      dynamicStableScale: t.dynamic,
      replicas: t.replicas,
      newAvailable: t.newView.availableReplicas,
      stableAvailable: t.stableView?.availableReplicas ?? 0,
      currentWeight: previous?.canary?.weight,
      atDesiredReplicas: t.atDesired,
      maxWeight: maxTrafficWeight(sync.ro),
    });
    if (decision.removeManagedRoutes) await router.removeManagedRoutes();
    else {
      // Header and mirror routes before the weight, as Argo Rollouts orders them.
      const writes = routeStepWrites({
        steps: t.steps,
        index: t.index,
        updating: stableHash !== undefined && !t.fullyPromoted,
        aborted: t.aborted,
        promoteFull: t.promoteFull,
      });
      for (const r of writes.headerRoutes) {
        await router.setHeaderRoute(r);
        if (r.match?.length)
          sync.event('Normal', 'HeaderRouteSet', `Header route ${r.name} set (${router.type})`);
      }
      for (const r of writes.mirrorRoutes) {
        await router.setMirrorRoute(r);
        if (r.match?.length)
          sync.event('Normal', 'MirrorRouteSet', `Mirror route ${r.name} set (${router.type})`);
      }
      await router.setWeight(decision.weight);
    }
    weight = decision.weight;
    verified = await router.verifyWeight(weight);
    if (verified === false) sync.requeue(WEIGHT_VERIFY_RETRY_MS);
  } else {
    const all = [t.newView, t.stableView, ...t.olderViews];
    weight = t.fullyPromoted ? 0 : replicaRatioWeight(t.newView.availableReplicas, sumAvailable(all));
  }
  if (router && previous?.canary?.weight !== weight) {
    sync.event(
      'Normal',
      'TrafficWeightUpdated',
      `Canary weight ${previous?.canary ? `from ${previous.canary.weight} ` : ''}to ${weight}${router ? ` (${router.type})` : ' (replica ratio)'}`,
    );
  }
  sync.status.canary = {
    ...(sync.status.canary ?? {}),
    weights: {
      canary: {
        weight,
        podTemplateHash: sync.ctx.newHash,
        ...(canary.canaryService ? { serviceName: canary.canaryService } : {}),
      },
      stable: {
        // Out of maxTrafficWeight with a router; the replica ratio is a percentage.
        weight: (router ? maxTrafficWeight(sync.ro) : 100) - weight,
        ...(stableHash ? { podTemplateHash: stableHash } : {}),
        ...(canary.stableService ? { serviceName: canary.stableService } : {}),
      },
      ...(verified !== undefined ? { verified } : {}),
    },
  };
  return verified;
}

function atDesiredCounts(
  plan: CanaryScalePlan,
  newRS: RsView,
  stableRS: RsView | undefined,
  olderRSs: readonly RsView[],
  trafficRouted: boolean,
  dynamic: boolean,
  threshold: ProgressThreshold | undefined,
): boolean {
  if (plan.actions.some((a) => a.replicas !== undefined)) return false;
  if (!availableEnough(newRS, plan.desired.newRS, threshold)) return false;
  if (stableRS && !(trafficRouted && dynamic) && !allCreated(stableRS, plan.desired.stableRS)) return false;
  return trafficRouted || sumAvailable(olderRSs) === 0;
}
