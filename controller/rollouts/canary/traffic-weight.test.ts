import { describe, expect, it } from 'vitest';
import type { CanaryStep } from '../../api/rollout.ts';
import { desiredWeight, replicaRatioWeight, type WeightInput } from './traffic-weight.ts';

const steps: CanaryStep[] = [{ setWeight: 10 }, { pause: {} }, { setWeight: 40 }, { pause: {} }];
const base: WeightInput = {
  steps,
  index: 2,
  fullyPromoted: false,
  aborted: false,
  promoteFull: false,
  dynamicStableScale: false,
  replicas: 10,
  newAvailable: 4,
  stableAvailable: 10,
  currentWeight: 10,
  atDesiredReplicas: true,
  maxWeight: 100,
};

describe('desiredWeight', () => {
  it('sends the current step weight once the canary pods are there', () => {
    expect(desiredWeight(base)).toEqual({ weight: 40, removeManagedRoutes: false });
  });
  it('keeps the previous weight while the canary scales up', () => {
    expect(desiredWeight({ ...base, atDesiredReplicas: false })).toEqual({
      weight: 10,
      removeManagedRoutes: false,
    });
  });
  it('sends nothing to a canary with no available pod', () => {
    expect(desiredWeight({ ...base, newAvailable: 0 }).weight).toBe(0);
  });
  it('removes the routes once promoted or aborted', () => {
    expect(desiredWeight({ ...base, fullyPromoted: true })).toEqual({ weight: 0, removeManagedRoutes: true });
    expect(desiredWeight({ ...base, aborted: true })).toEqual({ weight: 0, removeManagedRoutes: true });
  });
  it('with dynamic stable scaling, an abort hands traffic back as stable pods come up', () => {
    const d = desiredWeight({
      ...base,
      aborted: true,
      dynamicStableScale: true,
      stableAvailable: 7,
      currentWeight: 40,
    });
    expect(d).toEqual({ weight: 30, removeManagedRoutes: false });
  });
  it('after the last step, all traffic goes to the canary until it is promoted', () => {
    expect(desiredWeight({ ...base, index: 4 }).weight).toBe(100);
  });
  it('with maxTrafficWeight, weights are out of it: all of it after the last step', () => {
    const max = { ...base, maxWeight: 1000, steps: [{ setWeight: 5 }, { pause: {} }] };
    expect(desiredWeight({ ...max, index: 1 }).weight).toBe(5);
    expect(desiredWeight({ ...max, index: 2 }).weight).toBe(1000);
    const dynamic = { ...max, index: 2, dynamicStableScale: true, promoteFull: true, newAvailable: 4 };
    expect(desiredWeight(dynamic).weight).toBe(400);
  });
  it('replica ratio weight is the share of available pods', () => {
    expect(replicaRatioWeight(1, 4)).toBe(25);
    expect(replicaRatioWeight(0, 0)).toBe(0);
  });
});
