// The canary weight a traffic router should carry now (Argo Rollouts' reconcileTrafficRouting):
// none once promoted or aborted, the previous step's weight until the canary pods for the next
// one are available, then the current step's.

import type { CanaryStep } from '../../api/rollout.ts';
import { currentSetWeight, previousSetWeight } from './steps.ts';

export interface WeightInput {
  steps: readonly CanaryStep[];
  index: number;
  fullyPromoted: boolean;
  aborted: boolean;
  promoteFull: boolean;
  dynamicStableScale: boolean;
  replicas: number;
  newAvailable: number;
  stableAvailable: number;
  /** Canary weight in status (what the router was last set to). */
  currentWeight: number | undefined;
  /** Canary and stable are at the counts the current step asks for. */
  atDesiredReplicas: boolean;
  /** trafficRouting.maxTrafficWeight: the weight of all traffic (100 unless set). */
  maxWeight: number;
}

interface WeightDecision {
  weight: number;
  /** Routes added for the canary should go: all traffic to stable. */
  removeManagedRoutes: boolean;
}

export function desiredWeight(input: WeightInput): WeightDecision {
  const { replicas } = input;
  if (input.fullyPromoted) return { weight: 0, removeManagedRoutes: true };
  if (input.aborted) {
    if (!input.dynamicStableScale || replicas === 0) return { weight: 0, removeManagedRoutes: true };
    // Dynamic stable scaling: hand traffic back only as fast as the stable can take it.
    let weight = input.maxWeight - Math.floor((input.maxWeight * input.stableAvailable) / replicas);
    if (input.currentWeight !== undefined) weight = Math.min(weight, input.currentWeight);
    return { weight: Math.max(0, weight), removeManagedRoutes: weight <= 0 };
  }
  if (input.newAvailable === 0) return { weight: 0, removeManagedRoutes: false };
  if (input.promoteFull) {
    if (input.dynamicStableScale && replicas > 0) {
      return {
        weight: Math.floor((input.maxWeight * input.newAvailable) / replicas),
        removeManagedRoutes: false,
      };
    }
    return { weight: input.currentWeight ?? 0, removeManagedRoutes: false };
  }
  if (!input.atDesiredReplicas)
    return { weight: previousSetWeight(input.steps, input.index), removeManagedRoutes: false };
  if (input.index < input.steps.length) {
    return { weight: currentSetWeight(input.steps, input.index, false), removeManagedRoutes: false };
  }
  return { weight: input.maxWeight, removeManagedRoutes: false };
}

/** Without a router the weight is the share of available pods running the canary. */
export function replicaRatioWeight(newAvailable: number, totalAvailable: number): number {
  return totalAvailable === 0 ? 0 : Math.round((100 * newAvailable) / totalAvailable);
}
