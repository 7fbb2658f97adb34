// Pure decisions of holding shard Leases: what to do with each shard on a tick, which spec
// to write, and whether a reconcile may still write under the claim it started with.

import { microTime } from '../api-time.ts';
import { decide, type LeaseSpec, type LeaseTimings } from '../lease.ts';

/** A shard this replica holds: the lease term it acquired and when it last renewed it. */
export interface HeldShard {
  /** leaseTransitions of the Lease when this replica acquired it. */
  term: number;
  /** When the Lease was last written by us, by our clock, taken before the request. */
  renewedAt: number;
  /** Being handed to another replica: no new writes, in-flight reconciles drain. */
  releasing: boolean;
}

/** Under which shard and term a reconcile runs; every write it makes is checked against it. */
export interface ShardClaim {
  shard: number;
  term: number;
}

/**
 * Why a reconcile that started under `claim` may no longer write, or undefined when it may.
 * It may while this replica holds the shard in the same term, is not handing it over, and
 * renewed it within the renew deadline: shorter than the lease duration, so it stops writing
 * before any other replica can see the Lease expire and take it.
 */
export function fenceRefusal(
  held: HeldShard | undefined,
  claim: ShardClaim,
  now: number,
  timings: LeaseTimings,
): string | undefined {
  if (!held) return `shard ${claim.shard} is no longer held by this replica`;
  if (held.term !== claim.term)
    return `shard ${claim.shard} moved from term ${claim.term} to term ${held.term}`;
  if (held.releasing) return `shard ${claim.shard} is being handed over to another replica`;
  if (now - held.renewedAt >= timings.renewDeadlineMs)
    return `shard ${claim.shard} lease was not renewed within ${timings.renewDeadlineMs}ms`;
  return undefined;
}

type ShardAction = 'renew' | 'release' | 'create' | 'acquire' | 'wait' | 'none';

/**
 * What to do with one shard on a tick. A replica holds what the assignment gives it and lets
 * go of the rest at its next renewal; it takes a shard only once nobody holds it (released,
 * or not renewed for a lease duration as this replica observed it). A Lease naming this
 * replica that it does not hold (a previous process with the same name, or one it lost) is
 * taken anew, in a new term.
 */
export function planShard(input: {
  wanted: boolean;
  held: boolean;
  /** The Lease as read now; null when it does not exist; undefined when not read. */
  lease: LeaseSpec | null | undefined;
  observedAt: number;
  identity: string;
  now: number;
  timings: LeaseTimings;
}): ShardAction {
  const { wanted, held, lease } = input;
  if (held) return wanted ? 'renew' : 'release';
  if (!wanted || lease === undefined) return 'none';
  if (lease === null) return 'create';
  if (lease.holderIdentity === input.identity) return 'acquire';
  const verdict = decide(lease, input.observedAt, input.identity, input.now, input.timings);
  return verdict.action === 'wait' ? 'wait' : 'acquire';
}

/** The spec that takes a shard: this replica as holder, in a term no earlier claim has. */
export function acquiredSpec(
  old: LeaseSpec | undefined,
  identity: string,
  now: number,
  timings: LeaseTimings,
): LeaseSpec {
  const t = microTime(now);
  return {
    ...old,
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(timings.leaseDurationMs / 1000),
    acquireTime: t,
    renewTime: t,
    leaseTransitions: old ? (old.leaseTransitions ?? 0) + 1 : 0,
  };
}
