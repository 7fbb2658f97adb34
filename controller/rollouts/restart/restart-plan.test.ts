import { describe, expect, it } from 'vitest';
import { planRestart, type RestartInput, type RestartReplicaSet, restartPending } from './restart-plan.ts';

const now = new Date('2026-01-01T12:00:00Z');
const pod = (name: string, createdAt: string, terminating = false) => ({ name, createdAt, terminating });
const rs = (name: string, pods: RestartReplicaSet['pods'], fullyAvailable = true): RestartReplicaSet => ({
  name,
  fullyAvailable,
  pods,
});
const input = (over: Partial<RestartInput>): RestartInput => ({
  restartAt: '2026-01-01T11:00:00Z',
  restartedAt: undefined,
  now,
  midUpdate: false,
  replicaSets: [],
  ...over,
});

describe('planRestart', () => {
  it('does nothing without restartAt, or once status.restartedAt has caught up', () => {
    expect(planRestart(input({ restartAt: undefined }))).toEqual({ action: 'none' });
    expect(planRestart(input({ restartedAt: '2026-01-01T11:00:00Z' }))).toEqual({ action: 'none' });
    expect(restartPending('2026-01-01T11:00:00Z', '2026-01-01T10:00:00Z')).toBe(true);
  });
  it('waits for a restartAt in the future', () => {
    expect(planRestart(input({ restartAt: '2026-01-01T12:00:30Z' }))).toEqual({
      action: 'later',
      afterMs: 30_000,
    });
  });
  it('restarts the oldest pod of the stable ReplicaSet first, one at a time', () => {
    const plan = planRestart(
      input({
        replicaSets: [
          rs('stable', [pod('s1', '2026-01-01T10:00:00Z'), pod('s0', '2026-01-01T09:00:00Z')]),
          rs('other', [pod('o1', '2026-01-01T08:00:00Z')]),
        ],
      }),
    );
    expect(plan).toEqual({ action: 'evict', pod: 's0', replicaSet: 'stable' });
  });
  it('waits while the ReplicaSet replaces a pod or is not fully available', () => {
    const replacing = rs('stable', [
      pod('s0', '2026-01-01T09:00:00Z'),
      pod('s1', '2026-01-01T10:00:00Z', true),
    ]);
    expect(planRestart(input({ replicaSets: [replacing] }))).toEqual({
      action: 'wait',
      replicaSet: 'stable',
    });
    const short = rs('stable', [pod('s0', '2026-01-01T09:00:00Z')], false);
    expect(planRestart(input({ replicaSets: [short] }))).toEqual({ action: 'wait', replicaSet: 'stable' });
  });
  it('moves to the next ReplicaSet once every pod of one is newer, and is done after the last', () => {
    const fresh = rs('stable', [pod('s2', '2026-01-01T11:30:00Z')]);
    expect(
      planRestart(input({ replicaSets: [fresh, rs('other', [pod('o1', '2026-01-01T08:00:00Z')])] })),
    ).toEqual({
      action: 'evict',
      pod: 'o1',
      replicaSet: 'other',
    });
    expect(planRestart(input({ replicaSets: [fresh] }))).toEqual({ action: 'done', cancelled: false });
    // The last replacement must be up before the restart counts as done.
    const starting = rs('stable', [pod('s2', '2026-01-01T11:30:00Z')], false);
    expect(planRestart(input({ replicaSets: [starting] }))).toEqual({ action: 'wait', replicaSet: 'stable' });
  });
  it('is cancelled by an update in progress', () => {
    const old = rs('stable', [pod('s0', '2026-01-01T09:00:00Z')]);
    expect(planRestart(input({ midUpdate: true, replicaSets: [old] }))).toEqual({
      action: 'done',
      cancelled: true,
    });
  });
});
