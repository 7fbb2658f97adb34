// Reading a canary's steps: which one is current, what weight and scale are in force. Mirrors
// Argo Rollouts' GetCurrentCanaryStep, GetCurrentSetWeight and UseSetCanaryScale.

import type { CanaryStep, Rollout, SetCanaryScale } from '../../api/rollout.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { shortHash } from '../hash.ts';

/** The step index in force: status.currentStepIndex clamped to the steps, 0 when unset. */
export function currentStepIndex(steps: readonly CanaryStep[], statusIndex: number | undefined): number {
  return Math.min(Math.max(0, statusIndex ?? 0), steps.length);
}

export function currentStep(steps: readonly CanaryStep[], index: number): CanaryStep | undefined {
  return index < steps.length ? steps[index] : undefined;
}

/**
 * The last setWeight at or before the current step; the whole (`total`, maxTrafficWeight or 100)
 * once every step is done; 0 when aborted.
 */
export function currentSetWeight(
  steps: readonly CanaryStep[],
  index: number,
  aborted: boolean,
  total = 100,
): number {
  if (aborted) return 0;
  if (index >= steps.length) return total;
  for (let i = index; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) return w;
  }
  return 0;
}

/** The setWeight in force before the current step (used while the canary is not ready for the next one). */
export function previousSetWeight(steps: readonly CanaryStep[], index: number): number {
  for (let i = Math.min(index, steps.length) - 1; i >= 0; i--) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) return w;
  }
  return 0;
}

/**
 * The setCanaryScale in force: the last one at or before the current step, unless a later
 * `matchTrafficWeight` cancelled it. Only meaningful with a traffic router. When aborted it is
 * ignored unless the canary is to be left up (abortScaleDownDelaySeconds: 0).
 */
export function activeCanaryScale(
  steps: readonly CanaryStep[],
  index: number,
  opts: { trafficRouted: boolean; aborted: boolean; keepCanaryOnAbort: boolean },
): SetCanaryScale | undefined {
  if (!opts.trafficRouted) return undefined;
  if (opts.aborted && !opts.keepCanaryOnAbort) return undefined;
  if (index >= steps.length) return undefined;
  for (let i = index; i >= 0; i--) {
    const s = steps[i]?.setCanaryScale;
    if (!s) continue;
    return s.matchTrafficWeight ? undefined : s;
  }
  return undefined;
}

/** A step for people: `setWeight: 20`, `pause: 1m`, `analysis`, `setCanaryScale{replicas: 2}`. */
export function stepString(step: CanaryStep | undefined): string {
  if (!step) return 'none';
  if (step.setWeight !== undefined) return `setWeight: ${step.setWeight}`;
  if (step.pause) return step.pause.duration === undefined ? 'pause' : `pause: ${step.pause.duration}`;
  if (step.analysis) return `analysis (${step.analysis.templates.map((t) => t.templateName).join(', ')})`;
  if (step.experiment) return `experiment (${step.experiment.templates.map((t) => t.name).join(', ')})`;
  const s = step.setCanaryScale;
  if (s?.weight !== undefined) return `setCanaryScale{weight: ${s.weight}}`;
  if (s?.replicas !== undefined) return `setCanaryScale{replicas: ${s.replicas}}`;
  if (s?.matchTrafficWeight) return 'setCanaryScale{matchTrafficWeight: true}';
  if (step.setHeaderRoute) return `setHeaderRoute: ${step.setHeaderRoute.name}`;
  if (step.setMirrorRoute) return `setMirrorRoute: ${step.setMirrorRoute.name}`;
  return 'unknown step';
}

/** A pause duration in milliseconds: seconds as a number, or a duration string such as `5m`. */
export function pauseDurationMs(duration: number | string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  if (typeof duration === 'number') return duration * 1000;
  if (/^\d+$/.test(duration)) return Number(duration) * 1000;
  return parseDuration(duration);
}

/** Changes when the steps change, so the steps restart (status.currentStepHash). */
export function stepsHash(ro: Rollout): string {
  return shortHash(ro.spec.strategy.canary?.steps ?? []);
}
