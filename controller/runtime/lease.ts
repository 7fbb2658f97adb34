// Pure decisions of Lease-based leader election, as client-go's leaderelection makes them.
// No I/O and no clock of their own: callers pass `now`, so every case is unit-tested.

import { microTime } from './api-time.ts';

/** coordination.k8s.io/v1 LeaseSpec, the fields leader election reads and writes. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime. */
  acquireTime?: string;
  /** MicroTime. */
  renewTime?: string;
  leaseTransitions?: number;
  [field: string]: unknown;
}

export interface LeaseTimings {
  /** How long a standby waits, after it last saw the lease change, before taking it. */
  leaseDurationMs: number;
  /** How long a leader keeps acting without a successful renew. */
  renewDeadlineMs: number;
  /** How often a leader renews and a standby tries to acquire. */
  retryPeriodMs: number;
}

/** client-go's and controller-runtime's defaults. */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/**
 * What a replica remembers of the lease: the record it last saw, and when it saw it change
 * by its own clock. Leader election judges expiry from this local time, never from the
 * holder's renewTime, so clock skew between nodes cannot make a live lease look expired.
 * (Shard Leases count from renewTime, bounded by this time: see sharding/shard-term.ts.)
 */
export interface LeaseObservation {
  record: string;
  at: number;
}

export function observe(prev: LeaseObservation | undefined, spec: LeaseSpec, now: number): LeaseObservation {
  const record = JSON.stringify([
    spec.holderIdentity ?? '',
    spec.leaseDurationSeconds ?? 0,
    spec.acquireTime ?? '',
    spec.renewTime ?? '',
    spec.leaseTransitions ?? 0,
  ]);
  return prev?.record === record ? prev : { record, at: now };
}

type LeaseVerdict =
  | { action: 'renew' }
  | { action: 'acquire'; previousHolder: string }
  | { action: 'wait'; holder: string; expiresAt: number };

/**
 * Whether `identity` may write the lease now: renew it when it holds it, acquire it when
 * nobody does (released) or the holder stopped renewing a full lease duration ago.
 */
export function decide(
  spec: LeaseSpec,
  observedAt: number,
  identity: string,
  now: number,
  timings: LeaseTimings = DEFAULT_LEASE_TIMINGS,
): LeaseVerdict {
  const holder = spec.holderIdentity ?? '';
  if (holder === identity) return { action: 'renew' };
  if (holder === '') return { action: 'acquire', previousHolder: '' };
  const durationMs =
    spec.leaseDurationSeconds && spec.leaseDurationSeconds > 0
      ? spec.leaseDurationSeconds * 1000
      : timings.leaseDurationMs;
  const expiresAt = observedAt + durationMs;
  return now < expiresAt
    ? { action: 'wait', holder, expiresAt }
    : { action: 'acquire', previousHolder: holder };
}

/**
 * The spec to write when `identity` acquires or renews. A renew keeps acquireTime and the
 * transition count; taking over from anyone else (or a released lease) counts a transition.
 */
export function nextSpec(
  old: LeaseSpec | undefined,
  identity: string,
  now: number,
  timings: LeaseTimings = DEFAULT_LEASE_TIMINGS,
): LeaseSpec {
  const t = microTime(now);
  const leaseDurationSeconds = Math.ceil(timings.leaseDurationMs / 1000);
  if (old && old.holderIdentity === identity) {
    return {
      ...old,
      leaseDurationSeconds,
      acquireTime: old.acquireTime ?? t,
      renewTime: t,
      leaseTransitions: old.leaseTransitions ?? 0,
    };
  }
  return {
    ...old,
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: t,
    renewTime: t,
    leaseTransitions: old ? (old.leaseTransitions ?? 0) + 1 : 0,
  };
}

/**
 * The spec a leader writes on clean shutdown: no holder, so a standby takes over on its
 * next try instead of waiting out the lease (client-go's ReleaseOnCancel).
 */
export function releasedSpec(old: LeaseSpec, now: number): LeaseSpec {
  const t = microTime(now);
  return { ...old, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: t, renewTime: t };
}

/**
 * How long a leader that last renewed at `lastRenewAt` may still act: it must stop before
 * the renew deadline, which is shorter than the lease so it stops before anyone takes over.
 */
export function renewTimeLeft(
  lastRenewAt: number,
  now: number,
  timings: LeaseTimings = DEFAULT_LEASE_TIMINGS,
): number {
  return Math.max(0, lastRenewAt + timings.renewDeadlineMs - now);
}

/** A retry period with up to 10% jitter, so replicas do not hit the API server in step. */
export function jitteredRetry(timings: LeaseTimings, random: number = Math.random()): number {
  return Math.round(timings.retryPeriodMs * (1 + 0.1 * random));
}
