// The fencing decision and the per-shard plan: a reconcile writes only under the term it
// started in, while the shard is held, not handed over, and renewed within the deadline.

import { describe, expect, it } from 'vitest';
import type { LeaseSpec, LeaseTimings } from '../lease.ts';
import { acquiredSpec, fenceRefusal, planShard } from './shard-term.ts';

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

  it('takes anew a Lease that names it but that it does not hold (a restart under the same name)', () => {
    expect(planShard({ ...base, wanted: true, held: false, lease: { ...other, holderIdentity: 'me' } })).toBe(
      'acquire',
    );
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
