import { describe, expect, it } from 'vitest';
import { type CanaryScaleInput, planCanaryScale, type RsView } from './scale-plan.ts';

const now = new Date('2026-01-01T00:00:00Z');
const view = (name: string, spec: number, available = spec, extra: Partial<RsView> = {}): RsView => ({
  name,
  specReplicas: spec,
  replicas: spec,
  availableReplicas: available,
  revision: 1,
  ...extra,
});

function input(over: Partial<CanaryScaleInput>): CanaryScaleInput {
  return {
    replicas: 4,
    weight: 25,
    trafficRouted: false,
    dynamicStableScale: false,
    aborted: false,
    maxSurge: '25%',
    maxUnavailable: '25%',
    newRS: view('new', 0),
    stableRS: view('stable', 4),
    olderRSs: [],
    abortScaleDownDelaySeconds: 30,
    scaleDownRevisionLimit: Number.MAX_SAFE_INTEGER,
    now,
    ...over,
  };
}

describe('planCanaryScale', () => {
  it('changes one group at a time: stable first, then new', () => {
    const first = planCanaryScale(input({}));
    expect(first.desired).toEqual({ newRS: 1, stableRS: 3 });
    expect(first.actions).toEqual([{ name: 'stable', replicas: 3 }]);
    const second = planCanaryScale(input({ stableRS: view('stable', 3) }));
    expect(second.actions).toEqual([{ name: 'new', replicas: 1 }]);
    const done = planCanaryScale(input({ stableRS: view('stable', 3), newRS: view('new', 1) }));
    expect(done.actions).toEqual([]);
  });

  it('scales older ReplicaSets down as availability allows, unavailable pods first', () => {
    const plan = planCanaryScale(
      input({
        weight: 100,
        stableRS: view('stable', 0),
        newRS: view('new', 4),
        olderRSs: [view('old', 2, 1, { revision: 1 })],
      }),
    );
    expect(plan.actions).toEqual([{ name: 'old', replicas: 0 }]);
  });

  it('with a router keeps stable at full size and older ones until their deadline', () => {
    const deadline = '2026-01-01T00:00:20Z';
    const plan = planCanaryScale(
      input({
        trafficRouted: true,
        weight: 50,
        stableRS: view('stable', 4),
        newRS: view('new', 2),
        olderRSs: [view('old', 4, 4, { deadline }), view('older', 2, 2)],
      }),
    );
    expect(plan.desired).toEqual({ newRS: 2, stableRS: 4 });
    expect(plan.actions).toEqual([{ name: 'older', replicas: 0 }]);
    expect(plan.requeueAfterMs).toBe(20_000);
  });

  it('keeps the canary of an aborted, routed update for abortScaleDownDelaySeconds', () => {
    const first = planCanaryScale(
      input({ trafficRouted: true, aborted: true, weight: 0, newRS: view('new', 2) }),
    );
    expect(first.actions).toEqual([{ name: 'new', deadline: '2026-01-01T00:00:30Z' }]);
    const waiting = planCanaryScale(
      input({
        trafficRouted: true,
        aborted: true,
        weight: 0,
        newRS: view('new', 2, 2, { deadline: '2026-01-01T00:00:10Z' }),
      }),
    );
    expect(waiting.actions).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(10_000);
    const due = planCanaryScale(
      input({
        trafficRouted: true,
        aborted: true,
        weight: 0,
        now: new Date('2026-01-01T00:00:11Z'),
        newRS: view('new', 2, 2, { deadline: '2026-01-01T00:00:10Z' }),
      }),
    );
    expect(due.actions).toEqual([{ name: 'new', replicas: 0 }]);
    const kept = planCanaryScale(
      input({
        trafficRouted: true,
        aborted: true,
        weight: 0,
        abortScaleDownDelaySeconds: 0,
        newRS: view('new', 2),
      }),
    );
    expect(kept.actions).toEqual([]);
  });

  it('drops a leftover deadline from the stable or new ReplicaSet', () => {
    const plan = planCanaryScale(
      input({ stableRS: view('stable', 3, 3, { deadline: '2026-01-01T00:10:00Z' }) }),
    );
    expect(plan.actions).toEqual([{ name: 'stable', deadline: null }]);
  });

  it('without a stable ReplicaSet, the new one gets every replica', () => {
    const plan = planCanaryScale(input({ stableRS: undefined, newRS: view('new', 0) }));
    expect(plan.actions).toEqual([{ name: 'new', replicas: 4 }]);
  });
});
