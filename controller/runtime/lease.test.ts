import { describe, expect, it } from 'vitest';
import { microTime } from './api-time.ts';
import {
  DEFAULT_LEASE_TIMINGS,
  decide,
  jitteredRetry,
  type LeaseSpec,
  nextSpec,
  observe,
  releasedSpec,
  renewTimeLeft,
} from './lease.ts';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const held: LeaseSpec = {
  holderIdentity: 'a',
  leaseDurationSeconds: 15,
  acquireTime: '2026-03-01T11:00:00.000000Z',
  renewTime: '2026-03-01T11:59:58.000000Z',
  leaseTransitions: 3,
};

describe('microTime', () => {
  it('has exactly six fractional digits', () => {
    expect(microTime(Date.parse('2026-03-01T12:00:00.123Z'))).toBe('2026-03-01T12:00:00.123000Z');
    expect(microTime(T0)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });
});

describe('observe', () => {
  it('keeps the first time it saw a record, and restarts the clock when the record changes', () => {
    const first = observe(undefined, held, T0);
    expect(first.at).toBe(T0);
    expect(observe(first, { ...held }, T0 + 5_000)).toBe(first);
    const renewed = observe(first, { ...held, renewTime: '2026-03-01T12:00:04.000000Z' }, T0 + 5_000);
    expect(renewed.at).toBe(T0 + 5_000);
  });
});

describe('decide', () => {
  it('renews a lease this replica holds', () => {
    expect(decide(held, T0, 'a', T0 + 60_000)).toEqual({ action: 'renew' });
  });

  it('waits while another holder renewed less than a lease duration ago (by the local clock)', () => {
    expect(decide(held, T0, 'b', T0 + 14_999)).toEqual({
      action: 'wait',
      holder: 'a',
      expiresAt: T0 + 15_000,
    });
  });

  it('acquires once the holder has not renewed for a lease duration', () => {
    expect(decide(held, T0, 'b', T0 + 15_000)).toEqual({ action: 'acquire', previousHolder: 'a' });
  });

  it('ignores the holder renewTime, so a skewed clock cannot expire a live lease', () => {
    const stale = { ...held, renewTime: '2020-01-01T00:00:00.000000Z' };
    expect(decide(stale, T0, 'b', T0 + 1_000).action).toBe('wait');
  });

  it('uses the lease duration written in the lease', () => {
    expect(decide({ ...held, leaseDurationSeconds: 60 }, T0, 'b', T0 + 30_000).action).toBe('wait');
    expect(decide({ ...held, leaseDurationSeconds: 1 }, T0, 'b', T0 + 1_000).action).toBe('acquire');
  });

  it('acquires a released lease at once', () => {
    const released = releasedSpec(held, T0);
    expect(decide(released, T0, 'b', T0)).toEqual({ action: 'acquire', previousHolder: '' });
  });
});

describe('nextSpec', () => {
  it('creates a lease with no transitions', () => {
    expect(nextSpec(undefined, 'a', T0)).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: microTime(T0),
      renewTime: microTime(T0),
      leaseTransitions: 0,
    });
  });

  it('renews: keeps acquireTime and transitions, moves renewTime', () => {
    expect(nextSpec(held, 'a', T0)).toEqual({ ...held, renewTime: microTime(T0) });
  });

  it('takes over: new holder, new acquireTime, one more transition', () => {
    expect(nextSpec(held, 'b', T0)).toEqual({
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      acquireTime: microTime(T0),
      renewTime: microTime(T0),
      leaseTransitions: 4,
    });
  });

  it('counts taking a released lease as a transition', () => {
    expect(nextSpec(releasedSpec(held, T0), 'a', T0 + 1).leaseTransitions).toBe(4);
  });

  it('keeps fields it does not manage', () => {
    expect(nextSpec({ ...held, preferredHolder: 'x' }, 'b', T0).preferredHolder).toBe('x');
  });
});

describe('releasedSpec', () => {
  it('clears the holder and keeps the transition count', () => {
    expect(releasedSpec(held, T0)).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: microTime(T0),
      renewTime: microTime(T0),
      leaseTransitions: 3,
    });
  });
});

describe('timings', () => {
  it('lets a leader act until the renew deadline, which ends before the lease', () => {
    expect(DEFAULT_LEASE_TIMINGS.renewDeadlineMs).toBeLessThan(DEFAULT_LEASE_TIMINGS.leaseDurationMs);
    expect(renewTimeLeft(T0, T0 + 4_000)).toBe(6_000);
    expect(renewTimeLeft(T0, T0 + 12_000)).toBe(0);
  });

  it('jitters the retry period by at most 10%', () => {
    expect(jitteredRetry(DEFAULT_LEASE_TIMINGS, 0)).toBe(2_000);
    expect(jitteredRetry(DEFAULT_LEASE_TIMINGS, 1)).toBe(2_200);
  });
});
