// Which header and mirror routes a reconcile writes (Argo Rollouts' reconcileTrafficRouting):
// the current step's route while an update runs through its steps; every route the steps name
// removed on abort and on a full promotion. Once the new version is stable the router's
// removeManagedRoutes clears them with the weight.

import type { CanaryStep, SetHeaderRoute, SetMirrorRoute } from '../../api/rollout.ts';
import { currentStep } from './steps.ts';

export interface RouteStepInput {
  steps: readonly CanaryStep[];
  index: number;
  /** An update is under way: there is a stable version and the new one is not it yet. */
  updating: boolean;
  aborted: boolean;
  promoteFull: boolean;
}

export interface RouteWrites {
  headerRoutes: SetHeaderRoute[];
  mirrorRoutes: SetMirrorRoute[];
}

export function routeStepWrites(input: RouteStepInput): RouteWrites {
  if (!input.updating) return { headerRoutes: [], mirrorRoutes: [] };
  if (input.aborted || input.promoteFull) {
    // A route without match is removed; each name once.
    const names = (pick: (s: CanaryStep) => { name: string } | undefined) => [
      ...new Set(input.steps.flatMap((s) => pick(s)?.name ?? [])),
    ];
    return {
      headerRoutes: names((s) => s.setHeaderRoute).map((name) => ({ name })),
      mirrorRoutes: names((s) => s.setMirrorRoute).map((name) => ({ name })),
    };
  }
  const step = currentStep(input.steps, input.index);
  return {
    headerRoutes: step?.setHeaderRoute ? [step.setHeaderRoute] : [],
    mirrorRoutes: step?.setMirrorRoute ? [step.setMirrorRoute] : [],
  };
}
