// Replica arithmetic of a canary, as functions of data. It follows Argo Rollouts'
// utils/replicaset/canary.go (CalculateReplicaCountsForBasicCanary,
// CalculateReplicaCountsForTrafficRoutedCanary, AtDesiredReplicaCountsForCanary), so a
// manifest moved over from Argo scales the same way.

import type { IntOrString } from '../api/meta.ts';

/** The counts of one ReplicaSet that the arithmetic reads. */
export interface RsCounts {
  name: string;
  /** spec.replicas: what the ReplicaSet is asked to run. */
  specReplicas: number;
  /** status.replicas: pods that exist. */
  replicas: number;
  /** status.availableReplicas: pods ready for minReadySeconds. */
  availableReplicas: number;
}

class IntOrPercentError extends Error {
  override readonly name = 'IntOrPercentError';
}

/** intstr.GetScaledValueFromIntOrPercent: `25%` of `total`, rounded up or down, or a count. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value.trim());
  if (!m) {
    if (/^\d+$/.test(value.trim())) return Number(value.trim());
    throw new IntOrPercentError(
      `invalid value ${JSON.stringify(value)}: want a count or a percentage such as 25%`,
    );
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * maxSurge and maxUnavailable as counts for `replicas`. When both round to zero,
 * maxUnavailable becomes 1 so an update can always move (as Deployments and Argo do).
 */
export function resolveFenceposts(
  maxSurge: IntOrString,
  maxUnavailable: IntOrString,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true);
  let unavailable = scaledValue(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

const total = (rss: readonly (RsCounts | undefined)[], f: (r: RsCounts) => number): number =>
  rss.reduce((sum, r) => sum + (r ? f(r) : 0), 0);

const sumSpec = (rss: readonly (RsCounts | undefined)[]): number => total(rss, (r) => r.specReplicas);
export const sumAvailable = (rss: readonly (RsCounts | undefined)[]): number =>
  total(rss, (r) => r.availableReplicas);

/**
 * The canary and stable counts closest to `weight` percent. They sum to `replicas`, or one
 * more when a surge is allowed and gets closer; a weight of 1-99 never rounds either to zero
 * when two or more pods are possible.
 */
export function approximateWeightedCounts(
  replicas: number,
  weight: number,
  maxSurge: number,
): { canary: number; stable: number } {
  if (replicas === 0) return { canary: 0, stable: 0 };
  const ceil = Math.ceil((replicas * weight) / 100);
  const floor = Math.floor((replicas * weight) / 100);
  const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && maxSurge === 0);
  const options: { canary: number; total: number }[] = [];
  if (ceil < replicas || zeroAllowed) options.push({ canary: ceil, total: replicas });
  if (!tied(weight, replicas) && (floor !== 0 || zeroAllowed))
    options.push({ canary: floor, total: replicas });
  if (maxSurge > 0) {
    options.push({ canary: ceil, total: replicas + 1 });
    if (!tied(weight, replicas + 1) && (floor !== 0 || zeroAllowed)) {
      options.push({ canary: floor, total: replicas + 1 });
    }
  }
  let best = options[0];
  if (!best) return { canary: 0, stable: replicas };
  for (const o of options.slice(1)) {
    if (delta(weight, o.canary, o.total) < delta(weight, best.canary, best.total)) best = o;
  }
  return { canary: best.canary, stable: best.total - best.canary };
}

function tied(weight: number, replicas: number): boolean {
  const v = (replicas * weight) / 100;
  return v - Math.floor(v) === 0.5;
}

function delta(weight: number, canary: number, totalReplicas: number): number {
  return Math.abs((canary * 100) / totalReplicas - weight);
}

/** Replicas of a ReplicaSet that can be counted on while scaling down (Argo's GetReplicasForScaleDown). */
function replicasForScaleDown(rs: RsCounts | undefined, ignoreAvailability: boolean): number {
  if (!rs) return 0;
  if (rs.specReplicas < rs.availableReplicas) return rs.specReplicas;
  return ignoreAvailability ? rs.specReplicas : rs.availableReplicas;
}

interface BasicCanaryInput {
  replicas: number;
  /** The weight the canary should have now (0-100). */
  weight: number;
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
  newRS: RsCounts | undefined;
  /** Undefined, or the same as newRS, when there is no separate stable version. */
  stableRS: RsCounts | undefined;
  /** ReplicaSets that are neither new nor stable. */
  olderRSs: readonly RsCounts[];
}

/**
 * Without a traffic router the weight is the share of pods: move the new and stable
 * ReplicaSets one bounded step towards the weighted counts, never above replicas + maxSurge
 * pods and never below replicas - maxUnavailable available ones. Older ReplicaSets go first.
 */
export function basicCanaryCounts(input: BasicCanaryInput): { newRS: number; stableRS: number } {
  const { replicas, newRS, olderRSs } = input;
  const { surge, unavailable } = resolveFenceposts(input.maxSurge, input.maxUnavailable, replicas);
  let { canary: desiredNew, stable: desiredStable } = approximateWeightedCounts(
    replicas,
    input.weight,
    surge,
  );
  const stableRS = input.stableRS && input.stableRS.name !== newRS?.name ? input.stableRS : undefined;
  let newCount = newRS?.specReplicas ?? 0;
  let stableCount = stableRS?.specReplicas ?? 0;
  if (!stableRS) {
    desiredNew = replicas;
    desiredStable = 0;
  }
  const maxAllowed = replicas + surge;
  let scaleUp = maxAllowed - sumSpec([...olderRSs, newRS, stableRS]);
  if (stableRS && stableRS.specReplicas < desiredStable && scaleUp > 0) {
    if (stableRS.specReplicas + scaleUp < desiredStable) {
      stableCount = stableRS.specReplicas + scaleUp;
      scaleUp = 0;
    } else {
      stableCount = desiredStable;
      scaleUp -= desiredStable - stableRS.specReplicas;
    }
  }
  if (newRS && newRS.specReplicas < desiredNew && scaleUp > 0) {
    newCount = Math.min(desiredNew, newRS.specReplicas + scaleUp);
  }
  if (sumSpec(olderRSs) > 0) return { newRS: newCount, stableRS: stableCount };

  const minAvailable = replicas - unavailable;
  // Increasing the canary may ignore the stable's availability; decreasing it (an abort)
  // may ignore the canary's, so a crashing canary never blocks the way back.
  const increasing = !newRS || desiredNew >= newRS.specReplicas;
  const countable = replicasForScaleDown(newRS, !increasing) + replicasForScaleDown(stableRS, increasing);
  if (countable <= minAvailable) return { newRS: newCount, stableRS: stableCount };
  const scaleDown = countable - minAvailable;
  if (!increasing) {
    newCount = drain(newRS, desiredNew, scaleDown, newCount);
    [newCount, stableCount] = withinLimits(newRS, stableRS, newCount, stableCount, maxAllowed, minAvailable);
  } else if (stableRS) {
    stableCount = drain(stableRS, desiredStable, scaleDown, stableCount);
    [stableCount, newCount] = withinLimits(stableRS, newRS, stableCount, newCount, maxAllowed, minAvailable);
  }
  return { newRS: newCount, stableRS: stableCount };
}

function drain(rs: RsCounts | undefined, desired: number, scaleDown: number, current: number): number {
  if (rs && rs.specReplicas > desired) return Math.max(desired, rs.specReplicas - scaleDown);
  return current;
}

/** Argo's adjustReplicaWithinLimits: keep the pair within maxSurge without breaking maxUnavailable. */
function withinLimits(
  drainRS: RsCounts | undefined,
  adjustRS: RsCounts | undefined,
  drainCount: number,
  adjustCount: number,
  maxAllowed: number,
  minAvailable: number,
): [number, number] {
  let over = Math.max(0, adjustCount + drainCount - maxAllowed);
  let available = drainRS ? Math.min(drainRS.availableReplicas, drainCount) : 0;
  if (!adjustRS) return [drainCount, adjustCount];
  let adjusted = adjustCount - over;
  available += Math.min(adjustRS.availableReplicas, adjusted);
  const extra = Math.max(0, adjustRS.availableReplicas - adjusted);
  const needed = Math.max(0, minAvailable - available);
  adjusted += Math.min(extra, needed);
  over = Math.max(0, adjusted + drainCount - maxAllowed);
  return [drainCount - over, adjusted];
}

/** ceil(replicas * weight / total): the pods that can carry `weight` of `total` traffic. */
function trafficWeightToReplicas(replicas: number, weight: number, total: number): number {
  return Math.ceil((weight * replicas) / total);
}

interface TrafficRoutedInput {
  replicas: number;
  /** Out of maxWeight, like the setWeight and setCanaryScale weight it comes from. */
  weight: number;
  /** trafficRouting.maxTrafficWeight (100 unless set). */
  maxWeight?: number | undefined;
  /** From a setCanaryScale step with `replicas`. */
  canaryReplicas?: number | undefined;
  dynamicStableScale: boolean;
  aborted: boolean;
  /** The weights in effect (status.canary.weights), if any. */
  actual?: { canary: number; stable: number } | undefined;
  /** minPodsPerReplicaSet: a ReplicaSet that takes traffic runs at least this many pods. */
  minPods?: number | undefined;
}

/**
 * With a traffic router, pods do not carry the split: the stable stays at full size (unless
 * dynamicStableScale) and the canary runs enough pods for its weight. With dynamic scaling the
 * stable follows the higher of its desired and actual traffic, and an abort keeps canary pods
 * until traffic has left them.
 */
export function trafficRoutedCounts(input: TrafficRoutedInput): { newRS: number; stableRS: number } {
  const { replicas, weight } = input;
  const total = input.maxWeight ?? 100;
  const toReplicas = (w: number) => trafficWeightToReplicas(replicas, w, total);
  // Argo's CheckMinPodsPerReplicaSet: a weight above zero never rests on fewer pods than that.
  const atLeast = (n: number) => (n > 0 ? Math.max(n, input.minPods ?? 0) : 0);
  let canary = input.canaryReplicas ?? atLeast(toReplicas(weight));
  if (!input.dynamicStableScale) return { newRS: canary, stableRS: replicas };
  let stable = atLeast(toReplicas(total - weight));
  if (input.actual) {
    stable = Math.max(stable, toReplicas(input.actual.stable));
    if (input.aborted) canary = Math.max(canary, toReplicas(input.actual.canary));
  }
  return { newRS: canary, stableRS: stable };
}

/** All `desired` pods are asked for and available. */
function allAvailable(rs: RsCounts | undefined, desired: number): boolean {
  return rs !== undefined && rs.specReplicas === desired && rs.availableReplicas === desired;
}

/** canary.replicaProgressThreshold: how much of a step's canary must be available to go on. */
export interface ProgressThreshold {
  type: 'Percent' | 'Pod';
  value: number;
}

/**
 * All `desired` pods are asked for and, without a threshold, all available; with one, at least
 * that many pods or that percentage of `desired` (Argo Rollouts' checkReplicasAvailable).
 */
export function availableEnough(
  rs: RsCounts | undefined,
  desired: number,
  threshold: ProgressThreshold | undefined,
): boolean {
  if (!threshold) return allAvailable(rs, desired);
  if (rs === undefined || rs.specReplicas !== desired) return false;
  const available = Math.min(rs.availableReplicas, desired);
  if (threshold.type === 'Pod') return available >= Math.min(threshold.value, desired);
  return desired === 0 || (available * 100) / desired >= threshold.value;
}

/** All `desired` pods are asked for and exist. */
export function allCreated(rs: RsCounts | undefined, desired: number): boolean {
  return rs !== undefined && rs.specReplicas === desired && rs.replicas === desired;
}
