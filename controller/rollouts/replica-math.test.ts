import { describe, expect, it } from 'vitest';
import {
  approximateWeightedCounts,
  availableEnough,
  basicCanaryCounts,
  resolveFenceposts,
  scaledValue,
  trafficRoutedCounts,
} from './replica-math.ts';

const rs = (name: string, spec: number, available: number) => ({
  name,
  specReplicas: spec,
  replicas: spec,
  availableReplicas: available,
});

// Cases from Argo Rollouts' TestCalculateReplicaCountsForCanary (basic canary, no router).
const cases: {
  name: string;
  replicas: number;
  weight: number;
  surge: number | string;
  unavailable: number | string;
  stable: [number, number];
  canary: [number, number];
  older?: [number, number];
  want: { stableRS: number; newRS: number };
}[] = [
  {
    name: 'extra available stable pods do not count',
    replicas: 10,
    weight: 100,
    surge: 3,
    unavailable: 0,
    stable: [7, 8],
    canary: [6, 3],
    want: { stableRS: 7, newRS: 6 },
  },
  {
    name: 'max surge as a count scales up the canary',
    replicas: 10,
    weight: 20,
    surge: 2,
    unavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 10, newRS: 2 },
  },
  {
    name: 'max surge as a percentage scales up the canary',
    replicas: 10,
    weight: 20,
    surge: '20%',
    unavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 10, newRS: 2 },
  },
  {
    name: 'extra stable replicas scale down',
    replicas: 10,
    weight: 20,
    surge: '20%',
    unavailable: 0,
    stable: [10, 10],
    canary: [2, 2],
    want: { stableRS: 8, newRS: 2 },
  },
  {
    name: 'never past max surge',
    replicas: 10,
    weight: 30,
    surge: 2,
    unavailable: 0,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 10, newRS: 2 },
  },
  {
    name: 'max unavailable as a count scales down stable',
    replicas: 10,
    weight: 20,
    surge: 0,
    unavailable: 2,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 8, newRS: 0 },
  },
  {
    name: 'max unavailable as a percentage scales down stable',
    replicas: 10,
    weight: 20,
    surge: 0,
    unavailable: '20%',
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 8, newRS: 0 },
  },
  {
    name: 'never past max unavailable',
    replicas: 10,
    weight: 30,
    surge: 0,
    unavailable: 2,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 8, newRS: 0 },
  },
  {
    name: 'surge and unavailable together',
    replicas: 10,
    weight: 50,
    surge: 2,
    unavailable: 1,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 9, newRS: 2 },
  },
  {
    name: 'weight 0 scales the canary to zero',
    replicas: 10,
    weight: 0,
    surge: 1,
    unavailable: 1,
    stable: [10, 10],
    canary: [1, 1],
    want: { stableRS: 10, newRS: 0 },
  },
  {
    name: 'weight 100 scales stable to zero',
    replicas: 10,
    weight: 100,
    surge: 1,
    unavailable: 1,
    stable: [1, 1],
    canary: [10, 10],
    want: { stableRS: 0, newRS: 10 },
  },
  {
    name: 'a non-zero weight never rounds the canary to zero',
    replicas: 1,
    weight: 20,
    surge: 1,
    unavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    want: { stableRS: 1, newRS: 1 },
  },
  {
    name: 'a weight under 100 keeps the canary at one',
    replicas: 1,
    weight: 90,
    surge: 1,
    unavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    want: { stableRS: 1, newRS: 1 },
  },
  {
    name: 'under 50 without surge rounds the canary to zero',
    replicas: 1,
    weight: 49,
    surge: 0,
    unavailable: 1,
    stable: [1, 1],
    canary: [0, 0],
    want: { stableRS: 1, newRS: 0 },
  },
  {
    name: 'over 50 without surge scales stable to zero',
    replicas: 1,
    weight: 51,
    surge: 0,
    unavailable: 1,
    stable: [1, 1],
    canary: [0, 0],
    want: { stableRS: 0, newRS: 0 },
  },
  {
    name: 'over 50 without surge then scales the canary up',
    replicas: 1,
    weight: 51,
    surge: 0,
    unavailable: 1,
    stable: [0, 0],
    canary: [0, 0],
    want: { stableRS: 0, newRS: 1 },
  },
  {
    name: 'stable scales up before the canary',
    replicas: 10,
    weight: 30,
    surge: 1,
    unavailable: 0,
    stable: [1, 1],
    canary: [0, 0],
    older: [3, 3],
    want: { stableRS: 7, newRS: 1 },
  },
  {
    name: 'canary and stable scale down together',
    replicas: 10,
    weight: 30,
    surge: 0,
    unavailable: 3,
    stable: [8, 5],
    canary: [4, 4],
    want: { stableRS: 7, newRS: 3 },
  },
  {
    name: 'stable and canary with partial availability',
    replicas: 10,
    weight: 100,
    surge: 1,
    unavailable: 0,
    stable: [10, 2],
    canary: [10, 8],
    want: { stableRS: 2, newRS: 9 },
  },
  {
    name: 'older ReplicaSets scale down first',
    replicas: 10,
    weight: 30,
    surge: 0,
    unavailable: 1,
    stable: [8, 6],
    canary: [4, 2],
    older: [3, 3],
    want: { stableRS: 8, newRS: 4 },
  },
  {
    name: 'uneven weight never rounds past max surge',
    replicas: 10,
    weight: 5,
    surge: 0,
    unavailable: 1,
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 9, newRS: 0 },
  },
  {
    name: 'uneven weight never rounds past max surge (2)',
    replicas: 10,
    weight: 5,
    surge: 0,
    unavailable: 1,
    stable: [9, 9],
    canary: [0, 0],
    want: { stableRS: 9, newRS: 1 },
  },
  {
    name: 'percentages rounding to 0/0 allow one unavailable',
    replicas: 10,
    weight: 10,
    surge: '0%',
    unavailable: '0%',
    stable: [10, 10],
    canary: [0, 0],
    want: { stableRS: 9, newRS: 0 },
  },
  {
    name: 'surge honoured while stable is unavailable',
    replicas: 4,
    weight: 100,
    surge: 1,
    unavailable: 0,
    stable: [4, 1],
    canary: [0, 0],
    want: { stableRS: 4, newRS: 1 },
  },
  {
    name: 'scale down to max unavailable without exceeding max surge',
    replicas: 3,
    weight: 99,
    surge: 0,
    unavailable: 2,
    stable: [3, 3],
    canary: [0, 0],
    want: { stableRS: 1, newRS: 0 },
  },
  {
    name: 'scale down to max unavailable without exceeding max surge (2)',
    replicas: 3,
    weight: 99,
    surge: 0,
    unavailable: 2,
    stable: [1, 1],
    canary: [0, 0],
    want: { stableRS: 1, newRS: 2 },
  },
];

describe('basicCanaryCounts (Argo parity)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = basicCanaryCounts({
        replicas: c.replicas,
        weight: c.weight,
        maxSurge: c.surge,
        maxUnavailable: c.unavailable,
        stableRS: rs('stable', ...c.stable),
        newRS: rs('canary', ...c.canary),
        olderRSs: c.older ? [rs('older', ...c.older)] : [],
      });
      expect(got).toEqual(c.want);
    });
  }

  it('without a stable ReplicaSet the new one takes every replica, within the surge', () => {
    const got = basicCanaryCounts({
      replicas: 4,
      weight: 20,
      maxSurge: '25%',
      maxUnavailable: '25%',
      stableRS: undefined,
      newRS: rs('new', 0, 0),
      olderRSs: [],
    });
    expect(got).toEqual({ newRS: 4, stableRS: 0 });
  });
});

describe('approximateWeightedCounts', () => {
  it('picks the closest split, surging by one when that is closer', () => {
    expect(approximateWeightedCounts(10, 25, 1)).toEqual({ canary: 3, stable: 8 });
    expect(approximateWeightedCounts(4, 25, 1)).toEqual({ canary: 1, stable: 3 });
    expect(approximateWeightedCounts(3, 50, 0)).toEqual({ canary: 2, stable: 1 });
    expect(approximateWeightedCounts(5, 20, 0)).toEqual({ canary: 1, stable: 4 });
    expect(approximateWeightedCounts(0, 50, 1)).toEqual({ canary: 0, stable: 0 });
  });
  it('keeps at least one of each for weights 1-99', () => {
    expect(approximateWeightedCounts(2, 1, 0)).toEqual({ canary: 1, stable: 1 });
    expect(approximateWeightedCounts(2, 99, 0)).toEqual({ canary: 1, stable: 1 });
  });
});

describe('fenceposts', () => {
  it('rounds surge up and unavailable down', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(0, '10%', 5)).toEqual({ surge: 0, unavailable: 1 });
  });
  it('rejects values that are neither counts nor percentages', () => {
    expect(() => scaledValue('a lot', 10, true)).toThrow(/count or a percentage/);
    expect(scaledValue('3', 10, true)).toBe(3);
  });
});

describe('trafficRoutedCounts', () => {
  it('keeps stable at full size and sizes the canary for its weight', () => {
    expect(
      trafficRoutedCounts({ replicas: 10, weight: 25, dynamicStableScale: false, aborted: false }),
    ).toEqual({
      newRS: 3,
      stableRS: 10,
    });
  });
  it('reads the weight out of maxTrafficWeight', () => {
    const at = (weight: number, dynamicStableScale: boolean) =>
      trafficRoutedCounts({ replicas: 10, weight, maxWeight: 1000, dynamicStableScale, aborted: false });
    expect(at(5, false)).toEqual({ newRS: 1, stableRS: 10 });
    expect(at(250, true)).toEqual({ newRS: 3, stableRS: 8 });
    expect(at(1000, true)).toEqual({ newRS: 10, stableRS: 0 });
  });
  it('uses setCanaryScale replicas when given', () => {
    expect(
      trafficRoutedCounts({
        replicas: 1,
        weight: 100,
        canaryReplicas: 9,
        dynamicStableScale: false,
        aborted: false,
      }),
    ).toEqual({ newRS: 9, stableRS: 1 });
  });
  it('with dynamic stable scaling, keeps stable for the traffic it still carries', () => {
    const got = trafficRoutedCounts({
      replicas: 10,
      weight: 60,
      dynamicStableScale: true,
      aborted: false,
      actual: { canary: 20, stable: 80 },
    });
    expect(got).toEqual({ newRS: 6, stableRS: 8 });
  });
  it('with dynamic stable scaling, an abort keeps canary pods until traffic left them', () => {
    const got = trafficRoutedCounts({
      replicas: 10,
      weight: 0,
      dynamicStableScale: true,
      aborted: true,
      actual: { canary: 60, stable: 40 },
    });
    expect(got).toEqual({ newRS: 6, stableRS: 10 });
  });
});

describe('minPodsPerReplicaSet', () => {
  it('keeps at least that many pods in a ReplicaSet that takes traffic, and none when it takes none', () => {
    const base = { replicas: 10, dynamicStableScale: true, aborted: false };
    expect(trafficRoutedCounts({ ...base, weight: 5, minPods: 2 })).toEqual({ newRS: 2, stableRS: 10 });
    expect(trafficRoutedCounts({ ...base, weight: 5 })).toEqual({ newRS: 1, stableRS: 10 });
    expect(trafficRoutedCounts({ ...base, weight: 100, minPods: 2 })).toEqual({ newRS: 10, stableRS: 0 });
    expect(trafficRoutedCounts({ ...base, weight: 0, minPods: 2 })).toEqual({ newRS: 0, stableRS: 10 });
  });
});

describe('availableEnough (replicaProgressThreshold)', () => {
  const canary = (spec: number, available: number) => rs('canary', spec, available);
  it('asks for every pod without a threshold', () => {
    expect(availableEnough(canary(4, 3), 4, undefined)).toBe(false);
    expect(availableEnough(canary(4, 4), 4, undefined)).toBe(true);
  });
  it('goes on at the percentage or number of pods given, once all are asked for', () => {
    expect(availableEnough(canary(4, 3), 4, { type: 'Percent', value: 75 })).toBe(true);
    expect(availableEnough(canary(4, 2), 4, { type: 'Percent', value: 75 })).toBe(false);
    expect(availableEnough(canary(5, 1), 5, { type: 'Pod', value: 1 })).toBe(true);
    expect(availableEnough(canary(2, 0), 2, { type: 'Pod', value: 1 })).toBe(false);
    expect(availableEnough(canary(3, 3), 4, { type: 'Percent', value: 50 })).toBe(false);
  });
});
