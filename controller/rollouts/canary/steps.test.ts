import { describe, expect, it } from 'vitest';
import type { CanaryStep } from '../../api/rollout.ts';
import {
  activeCanaryScale,
  currentSetWeight,
  currentStepIndex,
  pauseDurationMs,
  previousSetWeight,
  stepString,
} from './steps.ts';

const steps: CanaryStep[] = [
  { setWeight: 20 },
  { pause: {} },
  { setCanaryScale: { replicas: 3 } },
  { setWeight: 50 },
  { analysis: { templates: [{ templateName: 'errors' }] } },
  { setCanaryScale: { matchTrafficWeight: true } },
  { pause: { duration: '30s' } },
];

describe('canary steps', () => {
  it('clamps the step index to the steps', () => {
    expect(currentStepIndex(steps, undefined)).toBe(0);
    expect(currentStepIndex(steps, 99)).toBe(steps.length);
    expect(currentStepIndex(steps, -1)).toBe(0);
  });

  it('carries the last setWeight forward; 100 when done, 0 when aborted', () => {
    expect(currentSetWeight(steps, 0, false)).toBe(20);
    expect(currentSetWeight(steps, 2, false)).toBe(20);
    expect(currentSetWeight(steps, 4, false)).toBe(50);
    expect(currentSetWeight(steps, steps.length, false)).toBe(100);
    expect(currentSetWeight(steps, 4, true)).toBe(0);
    expect(currentSetWeight([{ pause: {} }], 0, false)).toBe(0);
  });

  it('knows the weight before the current step', () => {
    expect(previousSetWeight(steps, 0)).toBe(0);
    expect(previousSetWeight(steps, 1)).toBe(20);
    expect(previousSetWeight(steps, 4)).toBe(50);
  });

  it('applies setCanaryScale only with a router, until matchTrafficWeight', () => {
    const routed = { trafficRouted: true, aborted: false, keepCanaryOnAbort: false };
    expect(activeCanaryScale(steps, 3, routed)).toEqual({ replicas: 3 });
    expect(activeCanaryScale(steps, 6, routed)).toBeUndefined();
    expect(activeCanaryScale(steps, 3, { ...routed, trafficRouted: false })).toBeUndefined();
    expect(activeCanaryScale(steps, 3, { ...routed, aborted: true })).toBeUndefined();
    expect(activeCanaryScale(steps, 3, { ...routed, aborted: true, keepCanaryOnAbort: true })).toEqual({
      replicas: 3,
    });
  });

  it('reads pause durations as seconds or duration strings', () => {
    expect(pauseDurationMs(10)).toBe(10_000);
    expect(pauseDurationMs('10')).toBe(10_000);
    expect(pauseDurationMs('1m30s')).toBe(90_000);
    expect(pauseDurationMs(undefined)).toBeUndefined();
  });

  it('describes steps for people', () => {
    expect(steps.map(stepString)).toEqual([
      'setWeight: 20',
      'pause',
      'setCanaryScale{replicas: 3}',
      'setWeight: 50',
      'analysis (errors)',
      'setCanaryScale{matchTrafficWeight: true}',
      'pause: 30s',
    ]);
  });
});
