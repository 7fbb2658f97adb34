// What a canary is doing, in words for status.message.

import type { CanaryStep } from '../../api/rollout.ts';
import { apiTime } from '../../runtime/api-time.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { currentStep, pauseDurationMs, stepString } from './steps.ts';

export function describeStep(steps: readonly CanaryStep[], index: number): string | undefined {
  if (steps.length === 0) return undefined;
  if (index >= steps.length) return `all ${steps.length} steps done`;
  return `step ${index + 1}/${steps.length}: ${stepString(steps[index])}`;
}

export function describePause(sync: RolloutSync, steps: readonly CanaryStep[], index: number): void {
  const step = currentStep(steps, index);
  if (!step?.pause) return;
  const start = sync.pause.condition('CanaryPauseStep')?.startTime ?? apiTime(sync.now);
  const where = `paused at step ${index + 1}/${steps.length}`;
  const ms = pauseDurationMs(step.pause.duration);
  if (ms !== undefined) {
    const at = apiTime(new Date(Date.parse(start) + ms));
    sync.pauseDetail.CanaryPauseStep = `${where} (${stepString(step)}); continues at ${at}, or promote now`;
  } else {
    sync.pauseDetail.CanaryPauseStep = `${where} until promoted (clear status.pauseConditions or run promote)`;
  }
}
