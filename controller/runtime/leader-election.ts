import { setTimeout as sleep } from 'node:timers/promises';
import { isConflict, isNotFound } from '../kube/api-errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { core, type KubeObject, resourcePath } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import {
  DEFAULT_LEASE_TIMINGS,
  decide,
  jitteredRetry,
  type LeaseObservation,
  type LeaseSpec,
  type LeaseTimings,
  nextSpec,
  observe,
  releasedSpec,
  renewTimeLeft,
} from './lease.ts';

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** This replica stopped being the leader while it was running; it must stop acting. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}

interface LeaderElectorOptions {
  /** Only `request` is used, so tests can stand in for the API server. */
  client: Pick<KubeClient, 'request'>;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  timings?: LeaseTimings;
  onStartedLeading(): void;
  /** Leadership was lost while running (never called by release()). Stop acting at once. */
  onStoppedLeading(err: LeadershipLostError): void;
}

type Outcome = 'leading' | 'other' | 'failed';

const RELEASE_TIMEOUT_MS = 5_000;

/**
 * Lease-based leader election in the manner of client-go's leaderelection: a standby
 * tries to acquire every retry period; the leader renews every retry period and gives up
 * when it has not renewed within the renew deadline (shorter than the lease, so it stops
 * before anyone else can take over); writes carry the resourceVersion, so two replicas
 * racing for the lease cannot both win. On clean shutdown the leader releases the lease.
 */
export class LeaderElector {
  private readonly opts: LeaderElectorOptions;
  private readonly timings: LeaseTimings;
  private readonly abort = new AbortController();
  private observation: LeaseObservation | undefined;
  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private lastHolder: string | undefined;
  private lastError: string | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.timings = opts.timings ?? DEFAULT_LEASE_TIMINGS;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get leaseRef(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }

  run(): void {
    this.loop ??= this.runLoop().catch((err: unknown) => {
      // attempt() catches API errors; anything here is a bug, and a leader must not go on.
      this.lose(`leader election failed: ${(err as Error).message}`, err);
    });
  }

  /** Stops electing and, if leading, hands the lease back so a standby takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.getLease(RELEASE_TIMEOUT_MS, undefined);
      if (!lease?.spec || lease.spec.holderIdentity !== this.opts.identity) return;
      await this.put({ ...lease, spec: releasedSpec(lease.spec, Date.now()) }, RELEASE_TIMEOUT_MS, undefined);
      this.opts.log.info(
        { holderIdentity: this.opts.identity, lease: this.leaseRef },
        'released leader lease',
      );
    } catch (err) {
      this.opts.log.warn(
        { err: (err as Error).message, lease: this.leaseRef },
        'releasing the lease failed; a standby takes over when it expires',
      );
    }
  }

  private async runLoop(): Promise<void> {
    const t = this.timings;
    // When the lease was last written, by our clock; taken before the request, to err early.
    let lastRenewAt = 0;
    while (!this.stopped) {
      lastRenewAt = Date.now();
      if ((await this.attempt(t.renewDeadlineMs)) === 'leading') break;
      await this.pause(jitteredRetry(t));
    }
    if (this.stopped) return;
    this.opts.onStartedLeading();
    while (!this.stopped) {
      await this.pause(Math.min(t.retryPeriodMs, renewTimeLeft(lastRenewAt, Date.now(), t)));
      if (this.stopped) return;
      const left = renewTimeLeft(lastRenewAt, Date.now(), t);
      if (left > 0) {
        const startedAt = Date.now();
        // The request may not outlive the deadline: a hung renew must not keep us leading.
        const outcome = await this.attempt(left);
        if (this.stopped) return;
        if (outcome === 'leading') {
          lastRenewAt = startedAt;
          continue;
        }
        if (outcome === 'other') return this.lose(`lease is held by ${this.lastHolder ?? 'another replica'}`);
        if (renewTimeLeft(lastRenewAt, Date.now(), t) > 0) continue;
      }
      return this.lose(`could not renew the lease within ${t.renewDeadlineMs}ms`);
    }
  }

  /** One get-then-create-or-update round; never throws. */
  private async attempt(timeoutMs: number): Promise<Outcome> {
    const { identity, namespace, name } = this.opts;
    const signal = this.abort.signal;
    try {
      const lease = await this.getLease(timeoutMs, signal);
      const now = Date.now();
      if (!lease) {
        const created = await this.opts.client.request<Lease>({
          method: 'POST',
          path: resourcePath(core.leases, namespace),
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: nextSpec(undefined, identity, now, this.timings),
          },
          timeoutMs,
          signal,
        });
        return this.won(created, now, '');
      }
      const spec = lease.spec ?? {};
      this.observation = observe(this.observation, spec, now);
      const verdict = decide(spec, this.observation.at, identity, now, this.timings);
      if (verdict.action === 'wait') {
        this.noteHolder(verdict.holder);
        return 'other';
      }
      const updated = await this.put(
        { ...lease, spec: nextSpec(spec, identity, now, this.timings) },
        timeoutMs,
        signal,
      );
      return this.won(updated, now, verdict.action === 'acquire' ? verdict.previousHolder : identity);
    } catch (err) {
      if (this.stopped) return 'failed';
      // 409: another replica wrote the lease between our read and write; read again next time.
      const message = (err as Error).message;
      const level = isConflict(err) || message === this.lastError ? 'debug' : 'warn';
      this.lastError = message;
      this.opts.log[level]({ err: message, lease: this.leaseRef }, 'leader election: lease not written');
      return 'failed';
    }
  }

  private won(lease: Lease, now: number, previousHolder: string): Outcome {
    this.observation = observe(undefined, lease.spec ?? {}, now);
    this.lastError = undefined;
    this.lastHolder = this.opts.identity;
    if (!this.leading) {
      this.leading = true;
      this.opts.log.info(
        {
          holderIdentity: this.opts.identity,
          previousHolder: previousHolder || undefined,
          lease: this.leaseRef,
          leaseTransitions: lease.spec?.leaseTransitions,
        },
        'became leader',
      );
    }
    return 'leading';
  }

  private noteHolder(holder: string): void {
    if (holder === this.lastHolder) return;
    this.lastHolder = holder;
    this.opts.log.info(
      { holderIdentity: this.opts.identity, leader: holder, lease: this.leaseRef },
      'another replica is leader; standing by',
    );
  }

  private lose(reason: string, cause?: unknown): void {
    if (this.stopped) return; // release() is under way: that is a clean stop, not a loss
    this.stopped = true;
    this.leading = false;
    this.abort.abort();
    this.opts.log.error(
      { holderIdentity: this.opts.identity, lease: this.leaseRef, reason },
      'lost leadership',
    );
    this.opts.onStoppedLeading(
      new LeadershipLostError(`lost leadership of ${this.leaseRef}: ${reason}`, { cause }),
    );
  }

  private async getLease(timeoutMs: number, signal: AbortSignal | undefined): Promise<Lease | undefined> {
    try {
      return await this.opts.client.request<Lease>({
        path: resourcePath(core.leases, this.opts.namespace, this.opts.name),
        timeoutMs,
        signal,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private put(lease: Lease, timeoutMs: number, signal: AbortSignal | undefined): Promise<Lease> {
    // The resourceVersion in metadata makes this a compare-and-swap: a stale write gets 409.
    return this.opts.client.request<Lease>({
      method: 'PUT',
      path: resourcePath(core.leases, this.opts.namespace, this.opts.name),
      body: lease,
      timeoutMs,
      signal,
    });
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return;
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}
