// The fencing decision and the per-shard plan: a reconcile writes only under the term it
// started in, while the shard is held, not handed over, and renewed within the deadline.

import { describe, expect, it } from 'vitest';
import type { LeaseSpec, LeaseTimings } from '../lease.ts';
import { acquiredSpec, fenceRefusal, nextTickIn, planShard, takeableAt } from './shard-term.ts';

const timings: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const claim = { shard: 3, term: 7 };

describe('fenceRefusal', () => {
  const held = { term: 7, renewedAt: 1_000, releasing: false };

  it('lets a reconcile write while its shard is held in its term and renewed in time', () => {
    expect(fenceRefusal(held, claim, 1_000 + 9_999, timings)).toBeUndefined();
  });

  it('refuses once the shard is gone, in another term, being handed over, or not renewed', () => {
    expect(fenceRefusal(undefined, claim, 2_000, timings)).toMatch(/shard 3 is no longer held/);
    expect(fenceRefusal({ ...held, term: 8 }, claim, 2_000, timings)).toMatch(/from term 7 to term 8/);
    expect(fenceRefusal({ ...held, releasing: true }, claim, 2_000, timings)).toMatch(/handed over/);
    // At the renew deadline, 5 s before any other replica may see the Lease expire.
    expect(fenceRefusal(held, claim, 1_000 + 10_000, timings)).toMatch(/not renewed within 10000ms/);
  });
});

describe('planShard', () => {
  const base = { identity: 'me', now: 100_000, observedAt: 100_000, timings };
  const other: LeaseSpec = { holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 2 };

  it('renews what it holds and should, and releases what it holds but should not', () => {
    expect(planShard({ ...base, wanted: true, held: true, lease: undefined })).toBe('renew');
    expect(planShard({ ...base, wanted: false, held: true, lease: undefined })).toBe('release');
  });

  it('leaves alone what it should not hold', () => {
    expect(planShard({ ...base, wanted: false, held: false, lease: other })).toBe('none');
  });

  it('creates a missing Lease, takes a released or expired one, and waits for a live holder', () => {
    expect(planShard({ ...base, wanted: true, held: false, lease: null })).toBe('create');
    expect(planShard({ ...base, wanted: true, held: false, lease: { ...other, holderIdentity: '' } })).toBe(
      'acquire',
    );
    expect(planShard({ ...base, wanted: true, held: false, lease: other })).toBe('wait');
    expect(
      planShard({ ...base, wanted: true, held: false, lease: other, observedAt: 100_000 - 15_000 }),
    ).toBe('acquire');
  });

  it("takes a dead holder's Lease a lease duration after its renewTime, not after we saw it", () => {
    // Renewed at 100 s by the holder's clock, seen by us 2 s later (one poll): free at 115 s.
    const renewed = { ...other, renewTime: '1970-01-01T00:01:40.000000Z' };
    const seen = { ...base, wanted: true, held: false, lease: renewed, observedAt: 102_000 };
    expect(planShard({ ...seen, now: 114_999 })).toBe('wait');
    expect(planShard({ ...seen, now: 115_000 })).toBe('acquire');
  });

  it('takes anew a Lease that names it but that it does not hold (a restart under the same name)', () => {
    expect(planShard({ ...base, wanted: true, held: false, lease: { ...other, holderIdentity: 'me' } })).toBe(
      'acquire',
    );
  });
});

describe('takeableAt', () => {
  // Margin: leaseDuration - renewDeadline = 5 s, the clock skew the takeover tolerates.
  const lease = (renewTime?: string): LeaseSpec => ({
    holderIdentity: 'other',
    leaseDurationSeconds: 15,
    ...(renewTime ? { renewTime } : {}),
  });
  const at = (s: number) => new Date(s * 1000).toISOString().replace('Z', '000Z');

  it('counts the lease duration from the renewTime the holder wrote', () => {
    expect(takeableAt(lease(at(100)), 101_500, timings)).toBe(115_000);
    // The holder's clock a little ahead of ours: later, never earlier.
    expect(takeableAt(lease(at(104)), 101_500, timings)).toBe(119_000);
  });

  it('takes a released Lease at once', () => {
    expect(takeableAt({ ...lease(at(100)), holderIdentity: '' }, 101_500, timings)).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });

  it('counts from when it saw the renewal when renewTime is missing or too far ahead of our clock', () => {
    expect(takeableAt(lease(), 101_500, timings)).toBe(116_500);
    expect(takeableAt(lease('not a time'), 101_500, timings)).toBe(116_500);
    // 5 s ahead is within the margin; more is a clock not to be trusted.
    expect(takeableAt(lease(at(106.5)), 101_500, timings)).toBe(121_500);
    expect(takeableAt(lease(at(106.501)), 101_500, timings)).toBe(116_500);
  });

  it('never counts from earlier than the margin before it saw the renewal', () => {
    // A holder whose clock is 30 s behind ours: it fences 10 s after it renewed, by then.
    expect(takeableAt(lease(at(70)), 100_000, timings)).toBe(100_000 - 5_000 + 15_000);
  });

  it('uses our lease duration when the Lease has none', () => {
    expect(takeableAt({ holderIdentity: 'other', renewTime: at(100) }, 100_000, timings)).toBe(115_000);
  });
});

describe('nextTickIn', () => {
  it('sleeps a retry period when nothing is due sooner', () => {
    expect(nextTickIn(1_000, 2_000, [])).toBe(2_000);
    expect(nextTickIn(1_000, 2_000, [9_000, 5_000])).toBe(2_000);
  });

  it('wakes just after the first Lease it waits for expires', () => {
    expect(nextTickIn(1_000, 2_000, [2_500, 1_700])).toBe(701);
  });

  it('wakes at once for what is already due', () => {
    expect(nextTickIn(1_000, 2_000, [400])).toBe(0);
  });
});

describe('acquiredSpec', () => {
  it('starts a new term on every acquisition, even from itself', () => {
    const spec = acquiredSpec({ ...{ holderIdentity: 'me', leaseTransitions: 4 } }, 'me', 0, timings);
    expect(spec).toMatchObject({ holderIdentity: 'me', leaseTransitions: 5, leaseDurationSeconds: 15 });
    expect(spec.acquireTime).toBe(spec.renewTime);
    expect(acquiredSpec(undefined, 'me', 0, timings).leaseTransitions).toBe(0);
  });
});
