// How many pods each ReplicaSet of a canary should run now, as a function of data. Older
// ReplicaSets kept up for a fast rollback carry a scale-down deadline; with a traffic router
// the canary of an aborted update is kept for abortScaleDownDelaySeconds (0: kept until retried).

import { apiTime } from '../../runtime/api-time.ts';
import {
  basicCanaryCounts,
  type RsCounts,
  resolveFenceposts,
  sumAvailable,
  trafficRoutedCounts,
} from '../replica-math.ts';

export interface RsView extends RsCounts {
  revision: number;
  /** The scale-down deadline annotation, if any (RFC 3339). */
  deadline?: string | undefined;
}

export interface CanaryScaleInput {
  replicas: number;
  /** Canary weight in force (0 when aborted, maxWeight when done). */
  weight: number;
  /** trafficRouting.maxTrafficWeight: what weights are out of with a router (100 unless set). */
  maxWeight?: number | undefined;
  /** setCanaryScale replicas/weight in force, if any. */
  canaryScale?: { replicas?: number | undefined; weight?: number | undefined } | undefined;
  trafficRouted: boolean;
  dynamicStableScale: boolean;
  aborted: boolean;
  maxSurge: number | string;
  maxUnavailable: number | string;
  newRS: RsView | undefined;
  stableRS: RsView | undefined;
  olderRSs: readonly RsView[];
  actualWeights?: { canary: number; stable: number } | undefined;
  /** Seconds to keep the canary of an aborted, traffic-routed update; 0 keeps it. */
  abortScaleDownDelaySeconds: number;
  /** How many older ReplicaSets may wait for their deadline; the rest go to zero at once. */
  scaleDownRevisionLimit: number;
  /** minPodsPerReplicaSet (with a traffic router). */
  minPods?: number | undefined;
  now: Date;
}

interface ScaleAction {
  name: string;
  replicas?: number;
  /** A new deadline, or null to remove one. */
  deadline?: string | null;
}

export interface CanaryScalePlan {
  /** Replica counts this reconcile aims at (new, stable). */
  desired: { newRS: number; stableRS: number };
  /** At most one group of changes per reconcile: stable, then new, then older, as Argo orders them. */
  actions: ScaleAction[];
  requeueAfterMs?: number | undefined;
}

export function planCanaryScale(input: CanaryScaleInput): CanaryScalePlan {
  const { replicas, newRS, now } = input;
  const stableRS = input.stableRS && input.stableRS.name !== newRS?.name ? input.stableRS : undefined;
  const weight = input.canaryScale?.weight ?? input.weight;
  // setCanaryScale's weight is a percentage of replicas; setWeight's is out of maxTrafficWeight.
  const maxWeight = input.maxWeight ?? 100;
  const routedWeight =
    input.canaryScale?.weight !== undefined ? (input.canaryScale.weight * maxWeight) / 100 : input.weight;
  const desired = input.trafficRouted
    ? trafficRoutedCounts({
        replicas,
        weight: routedWeight,
        maxWeight: input.maxWeight,
        canaryReplicas: input.canaryScale?.replicas,
        dynamicStableScale: input.dynamicStableScale,
        aborted: input.aborted,
        actual: input.actualWeights,
        minPods: input.minPods,
      })
    : basicCanaryCounts({
        replicas,
        weight,
        maxSurge: input.maxSurge,
        maxUnavailable: input.maxUnavailable,
        newRS,
        stableRS,
        olderRSs: input.olderRSs,
      });
  if (!stableRS) desired.stableRS = 0;
  if (!stableRS && input.trafficRouted) desired.newRS = replicas;
  let requeueAfterMs: number | undefined;

  // The canary of an aborted, traffic-routed update leaves only after a delay (or never).
  if (newRS && stableRS && input.aborted && input.trafficRouted && !input.dynamicStableScale) {
    if (input.abortScaleDownDelaySeconds === 0) {
      desired.newRS = newRS.specReplicas;
    } else if (!newRS.deadline && newRS.specReplicas > 0) {
      const at = new Date(now.getTime() + input.abortScaleDownDelaySeconds * 1000);
      desired.newRS = newRS.specReplicas;
      requeueAfterMs = input.abortScaleDownDelaySeconds * 1000;
      return { desired, actions: [{ name: newRS.name, deadline: apiTime(at) }], requeueAfterMs };
    } else if (newRS.deadline) {
      const left = Date.parse(newRS.deadline) - now.getTime();
      if (left > 0) {
        desired.newRS = newRS.specReplicas;
        requeueAfterMs = left;
      }
    }
  }

  // A deadline on the new or stable ReplicaSet belongs to an earlier update: drop it.
  const clear: ScaleAction[] = [];
  for (const rs of [stableRS, newRS]) {
    if (rs?.deadline && !(rs === newRS && input.aborted)) clear.push({ name: rs.name, deadline: null });
  }
  if (clear.length > 0) return { desired, actions: clear, requeueAfterMs };

  if (stableRS && stableRS.specReplicas !== desired.stableRS) {
    return { desired, actions: [{ name: stableRS.name, replicas: desired.stableRS }], requeueAfterMs };
  }
  if (newRS && newRS.specReplicas !== desired.newRS) {
    return { desired, actions: [{ name: newRS.name, replicas: desired.newRS }], requeueAfterMs };
  }
  const older = planOlderScaleDown(input, [newRS, stableRS]);
  return {
    desired,
    actions: older.actions,
    requeueAfterMs: minDefined(requeueAfterMs, older.requeueAfterMs),
  };
}

/**
 * Older ReplicaSets: without a router they carry traffic, so they shrink as fast as
 * availability allows; with one they wait for their scale-down deadline (if any) first.
 */
function planOlderScaleDown(
  input: CanaryScaleInput,
  current: readonly (RsView | undefined)[],
): { actions: ScaleAction[]; requeueAfterMs?: number | undefined } {
  const { replicas, now } = input;
  const all = [...input.olderRSs, ...current];
  const { unavailable } = resolveFenceposts(input.maxSurge, input.maxUnavailable, replicas);
  let maxScaleDown = sumAvailable(all) - (replicas - unavailable);
  const actions: ScaleAction[] = [];
  let requeueAfterMs: number | undefined;
  let waiting = 0;
  const newestFirst = [...input.olderRSs].sort((a, b) => b.revision - a.revision);
  for (const rs of newestFirst) {
    if (rs.specReplicas === 0) continue;
    let target = 0;
    if (input.trafficRouted) {
      if (rs.deadline) {
        waiting++;
        const left = Date.parse(rs.deadline) - now.getTime();
        if (waiting <= input.scaleDownRevisionLimit && left > 0) {
          requeueAfterMs = minDefined(requeueAfterMs, left);
          target = rs.specReplicas;
        }
      }
    } else {
      // Unavailable pods of older versions serve nothing: they can go regardless.
      const unavailablePods = Math.max(0, rs.specReplicas - rs.availableReplicas);
      const budget = Math.max(0, maxScaleDown) + unavailablePods;
      if (budget <= 0) break;
      target = Math.max(0, rs.specReplicas - budget);
      maxScaleDown -= rs.specReplicas - target - unavailablePods;
    }
    if (target !== rs.specReplicas) actions.push({ name: rs.name, replicas: target });
  }
  return { actions, requeueAfterMs };
}

export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
