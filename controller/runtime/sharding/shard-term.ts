// Pure decisions of holding shard Leases: what to do with each shard on a tick, which spec
// to write, and whether a reconcile may still write under the claim it started with.

import { microTime } from '../api-time.ts';
import type { LeaseSpec, LeaseTimings } from '../lease.ts';

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
 * When another replica's shard Lease may be taken: at once when released, else a lease
 * duration after the renewTime its holder wrote. The holder stops writing at its renew
 * deadline, by its own clock, after the instant it put in renewTime (shard-leases.ts writes
 * the time taken before the request, the same one it fences from), so counting from renewTime
 * leaves `leaseDuration - renewDeadline` (5 s by default) between the holder's last write and
 * the takeover, less the clocks' skew. That assumes replicas' clocks differ by less than that
 * margin (NTP keeps them within milliseconds). Two bounds keep a wrong clock from doing harm:
 * a renewTime further ahead of our clock than the margin, when we first saw it, is not
 * trusted (the expiry counts from when we saw it, as client-go does), and the expiry never
 * counts from earlier than the margin before we saw the renewal, so even a holder whose clock
 * is far behind has reached its renew deadline (measured from before we saw its write) when
 * we take over.
 */
export function takeableAt(lease: LeaseSpec, observedAt: number, timings: LeaseTimings): number {
  if (!lease.holderIdentity) return Number.NEGATIVE_INFINITY;
  const durationMs =
    lease.leaseDurationSeconds && lease.leaseDurationSeconds > 0
      ? lease.leaseDurationSeconds * 1000
      : timings.leaseDurationMs;
  const marginMs = timings.leaseDurationMs - timings.renewDeadlineMs;
  const renewed = Date.parse(lease.renewTime ?? '');
  const from =
    Number.isFinite(renewed) && renewed <= observedAt + marginMs
      ? Math.max(renewed, observedAt - marginMs)
      : observedAt;
  return from + durationMs;
}

/**
 * What to do with one shard on a tick. A replica holds what the assignment gives it and lets
 * go of the rest at its next renewal; it takes a shard only once nobody holds it (released,
 * or not renewed for a lease duration: see takeableAt). A Lease naming this replica that it
 * does not hold (a previous process with the same name, or one it lost) is taken anew, in a
 * new term.
 */
export function planShard(input: {
  wanted: boolean;
  held: boolean;
  /** The Lease as read now; null when it does not exist; undefined when not read. */
  lease: LeaseSpec | null | undefined;
  /** When this replica first saw the Lease as it is now, by its own clock. */
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
  return input.now < takeableAt(lease, input.observedAt, input.timings) ? 'wait' : 'acquire';
}

/**
 * How long the shard loop sleeps before its next tick: a retry period, or less, so that it
 * wakes when the first thing it waits for happens (a shard Lease it wants expires, or a
 * member drops out and the shares change) rather than up to a retry period later. Times
 * already past wake it at once; the tick after acts on them, so none comes round again.
 */
export function nextTickIn(now: number, retryMs: number, wakeAt: readonly number[]): number {
  const first = Math.min(...wakeAt);
  // +1: a timer may fire a millisecond before Date.now() reaches its due time.
  return Math.max(0, Math.min(retryMs, first - now + 1));
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
