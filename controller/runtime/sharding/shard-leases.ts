import { setTimeout as sleep } from 'node:timers/promises';
import { isConflict, isNotFound } from '../../kube/api-errors.ts';
import type { KubeClient } from '../../kube/client.ts';
import { core, type ObjectList, resourcePath } from '../../kube/resources.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Lease } from '../leader-election.ts';
import {
  DEFAULT_LEASE_TIMINGS,
  jitteredRetry,
  type LeaseObservation,
  type LeaseTimings,
  nextSpec,
  observe,
  releasedSpec,
} from '../lease.ts';
import { assignShards, liveMembers, memberExpiry } from './assignment.ts';
import {
  acquiredSpec,
  fenceRefusal,
  type HeldShard,
  nextTickIn,
  planShard,
  type ShardClaim,
  takeableAt,
} from './shard-term.ts';

/**
 * The label every shard and membership Lease of one group of replicas carries, valued with the
 * prefix: one list a tick reads them all.
 */
const GROUP_LABEL = 'sluice.dev/shard-group';
/** A membership Lease unrenewed this long belongs to a replica that is gone: delete it. */
const STALE_MEMBER_MS = 5 * 60_000;
/** How long handing a shard over waits for its in-flight reconciles, which can no longer write. */
const DRAIN_MS = 3_000;

interface ShardLeasesOptions {
  /** Only `request` is used, so tests can stand in for the API server. */
  client: Pick<KubeClient, 'request'>;
  namespace: string;
  identity: string;
  shards: number;
  /** Lease names: `<prefix>-shard-<i>` and `<prefix>-member-<identity>`. */
  prefix: string;
  log: Logger;
  timings?: LeaseTimings;
  /** A shard was acquired: queue its objects. */
  onAcquired(shard: number, term: number): void;
  /** A shard was handed over or lost: its objects' in-memory state is to be dropped. */
  onReleased?(shard: number): void;
  /** The number of shards held or live members changed. */
  onChange(held: number, members: number): void;
}

interface Held extends HeldShard {
  lease: Lease;
}

/**
 * Holds this replica's share of the shards, each through its own Lease. Every retry period
 * it renews its membership Lease, lists the live members, computes the assignment, and for
 * each shard renews, releases (at renewal, once its reconciles drained) or takes it (once
 * nobody holds it). Writes carry the resourceVersion, so two replicas never both win a
 * shard; a replica that cannot renew stops writing at the renew deadline (fenceRefusal).
 * A tick comes early when a Lease it waits for expires before the next retry period, so a
 * dead replica's shards are taken a lease duration after its last renewal (takeableAt).
 */
export class ShardLeases {
  private readonly opts: ShardLeasesOptions;
  private readonly timings: LeaseTimings;
  private readonly abort = new AbortController();
  private readonly held = new Map<number, Held>();
  private readonly observed = new Map<number, LeaseObservation>();
  private readonly inflight = new Map<number, number>();
  private readonly drained = new Map<number, () => void>();
  private member: Lease | undefined;
  private members = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(opts: ShardLeasesOptions) {
    this.opts = opts;
    this.timings = opts.timings ?? DEFAULT_LEASE_TIMINGS;
  }

  /** The claim a reconcile of an object in `shard` starts under, if this replica may act on it. */
  claim(shard: number): ShardClaim | undefined {
    const h = this.held.get(shard);
    if (!h) return undefined;
    const claim = { shard, term: h.term };
    return fenceRefusal(h, claim, Date.now(), this.timings) ? undefined : claim;
  }

  /** Why a reconcile under `claim` may not write now; undefined when it may. */
  refusal(claim: ShardClaim): string | undefined {
    return fenceRefusal(this.held.get(claim.shard), claim, Date.now(), this.timings);
  }

  /** Runs a reconcile under `claim`, so a handover waits for it to finish. */
  async track<T>(claim: ShardClaim, fn: () => Promise<T>): Promise<T> {
    this.inflight.set(claim.shard, (this.inflight.get(claim.shard) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.inflight.get(claim.shard) ?? 1) - 1;
      this.inflight.set(claim.shard, n);
      if (n === 0) this.drained.get(claim.shard)?.();
    }
  }

  run(): void {
    this.loop ??= this.runLoop().catch((err: unknown) => {
      // tick() catches API errors; anything here is a bug: hold nothing rather than go on.
      this.opts.log.error({ err: (err as Error).message }, 'shard leases failed; holding no shard');
      this.held.clear();
      this.report();
    });
  }

  /** Stops, hands every shard back and leaves the membership, so others take over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    await Promise.all([...this.held.keys()].map((shard) => this.hand(shard)));
    try {
      await this.opts.client.request({
        method: 'DELETE',
        path: resourcePath(core.leases, this.opts.namespace, this.memberName(this.opts.identity)),
        timeoutMs: this.timings.renewDeadlineMs / 2,
      });
    } catch (err) {
      if (!isNotFound(err))
        this.opts.log.warn({ err: (err as Error).message }, 'leaving shard membership failed');
    }
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped) {
      const wakeAt = await this.tick();
      if (this.stopped) return;
      const delay = nextTickIn(Date.now(), jitteredRetry(this.timings), wakeAt);
      await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  /** One round over membership and every shard; returns when it next wants to look (nextTickIn). */
  private async tick(): Promise<number[]> {
    const { identity, shards } = this.opts;
    // Side by side: the list counts this replica whatever it says of our membership, and a
    // takeover waiting for this tick is one round trip sooner.
    const [, listed] = await Promise.all([this.renewMembership(), this.list()]);
    const now = Date.now();
    const records = listed.filter((l) => l.metadata.name.startsWith(`${this.opts.prefix}-member-`));
    const members = liveMembers(
      records.map((l) => l.spec ?? {}),
      identity,
      now,
    );
    this.members = members.length;
    // When another live member lapses, the shares change: look again then.
    const wakeAt = records
      .filter((r) => r.spec?.holderIdentity !== identity)
      .map((r) => memberExpiry(r.spec ?? {}))
      .filter((t): t is number => t !== undefined && t > now);
    // Every shard Lease is observed every tick, wanted or not: when it first showed its last
    // renewal bounds how far its renewTime is trusted (takeableAt), whenever we come to want it.
    const byName = new Map(listed.map((l) => [l.metadata.name, l]));
    const shardLeases = Array.from({ length: shards }, (_, shard) => byName.get(this.shardName(shard)));
    shardLeases.forEach((l, shard) => {
      if (l) this.observed.set(shard, observe(this.observed.get(shard), l.spec ?? {}, now));
    });
    const wanted = new Set(assignShards(members, shards).get(identity));
    const waits = await Promise.all(shardLeases.map((l, shard) => this.step(shard, wanted.has(shard), l)));
    for (const t of waits) if (t !== undefined) wakeAt.push(t);
    this.report();
    for (const l of records) {
      const renewed = Date.parse(l.spec?.renewTime ?? '');
      if (Number.isFinite(renewed) && renewed + STALE_MEMBER_MS < now) void this.remove(l);
    }
    return wakeAt;
  }

  /** Creates or renews our membership Lease. */
  private async renewMembership(): Promise<void> {
    const { identity, prefix, namespace } = this.opts;
    const name = this.memberName(identity);
    try {
      const now = Date.now();
      const body: Lease = this.member ?? {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, labels: { [GROUP_LABEL]: prefix } },
      };
      const spec = nextSpec(this.member?.spec, identity, now, this.timings);
      this.member = await this.write(this.member ? 'PUT' : 'POST', name, { ...body, spec });
    } catch (err) {
      // 409: ours was changed or already exists (a restart under the same name): read it next time.
      this.member = isConflict(err) ? await this.read(name).catch(() => undefined) : undefined;
      if (!isConflict(err)) this.warn('shard membership not renewed', err);
    }
  }

  /** Every shard and membership Lease of the group. */
  private async list(): Promise<Lease[]> {
    try {
      const list = await this.opts.client.request<ObjectList<Lease>>({
        path: resourcePath(core.leases, this.opts.namespace),
        query: { labelSelector: `${GROUP_LABEL}=${this.opts.prefix}` },
        timeoutMs: this.timings.renewDeadlineMs / 2,
        signal: this.abort.signal,
      });
      return list.items;
    } catch (err) {
      this.warn('listing shard Leases failed', err);
      return [];
    }
  }

  /** Renews, releases or takes one shard; when it waits for the Lease to expire, returns when. */
  private async step(shard: number, wanted: boolean, listed: Lease | undefined): Promise<number | undefined> {
    const name = this.shardName(shard);
    const held = this.held.get(shard);
    const startedAt = Date.now();
    try {
      let lease: Lease | null | undefined;
      if (!held && wanted) {
        // Not listed: missing, or made before it carried the group label.
        lease = listed ?? (await this.read(name)) ?? null;
        if (lease && !listed)
          this.observed.set(shard, observe(this.observed.get(shard), lease.spec ?? {}, Date.now()));
      }
      const observedAt = this.observed.get(shard)?.at ?? startedAt;
      const action = planShard({
        wanted,
        held: held !== undefined,
        lease: lease === null ? null : lease?.spec,
        observedAt,
        identity: this.opts.identity,
        now: Date.now(),
        timings: this.timings,
      });
      if (action === 'wait') return takeableAt(lease?.spec ?? {}, observedAt, this.timings);
      if (action === 'renew' && held) {
        const lapsed = startedAt - held.renewedAt >= this.timings.renewDeadlineMs;
        const spec = nextSpec(held.lease.spec, this.opts.identity, startedAt, this.timings);
        held.lease = await this.write('PUT', name, { ...held.lease, spec });
        held.renewedAt = startedAt;
        if (lapsed) {
          // Nobody took it meanwhile (the write would have been refused), so the term goes on;
          // but keys that came up while it was fenced were dropped: queue them again.
          this.opts.log.info({ shard, term: held.term, lease: name }, 'renewed shard after its deadline');
          this.opts.onAcquired(shard, held.term);
        }
      } else if (action === 'release') {
        await this.hand(shard);
      } else if (action === 'create' || action === 'acquire') {
        const body: Lease = lease ?? {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: this.opts.namespace },
        };
        body.metadata.labels = { ...body.metadata.labels, [GROUP_LABEL]: this.opts.prefix };
        const spec = acquiredSpec(lease?.spec, this.opts.identity, startedAt, this.timings);
        const written = await this.write(action === 'create' ? 'POST' : 'PUT', name, { ...body, spec });
        const term = written.spec?.leaseTransitions ?? 0;
        this.held.set(shard, { term, renewedAt: startedAt, releasing: false, lease: written });
        this.opts.log.info(
          { shard, term, lease: name, previousHolder: lease?.spec?.holderIdentity || undefined },
          'acquired shard',
        );
        this.opts.onAcquired(shard, term);
      }
    } catch (err) {
      if (!held) {
        this.warn(`shard ${shard} not acquired`, err, isConflict(err));
        return undefined;
      }
      // Someone else wrote our Lease (it was taken), or we could not renew in time: stop.
      const overdue = Date.now() - held.renewedAt >= this.timings.renewDeadlineMs;
      if (isConflict(err) || isNotFound(err) || overdue) this.lose(shard, held, (err as Error).message);
      else this.warn(`shard ${shard} not renewed`, err);
    }
  }

  /** Stops writing under `shard`, lets its reconciles finish, and releases its Lease. */
  private async hand(shard: number): Promise<void> {
    const held = this.held.get(shard);
    if (!held) return;
    held.releasing = true;
    if ((this.inflight.get(shard) ?? 0) > 0)
      await Promise.race([new Promise<void>((resolve) => this.drained.set(shard, resolve)), sleep(DRAIN_MS)]);
    this.drained.delete(shard);
    this.held.delete(shard);
    const name = this.shardName(shard);
    try {
      await this.write('PUT', name, { ...held.lease, spec: releasedSpec(held.lease.spec ?? {}, Date.now()) });
      this.opts.log.info({ shard, term: held.term, lease: name }, 'released shard');
    } catch (err) {
      this.warn(`releasing shard ${shard} failed; it is taken when its lease expires`, err);
    }
    this.report();
    if (!this.stopped) this.opts.onReleased?.(shard);
  }

  private lose(shard: number, held: Held, reason: string): void {
    this.held.delete(shard);
    this.opts.log.error({ shard, term: held.term, lease: this.shardName(shard), reason }, 'lost shard');
    this.report();
    this.opts.onReleased?.(shard);
  }

  private report(): void {
    this.opts.onChange(this.held.size, this.members);
  }

  private async read(name: string): Promise<Lease | undefined> {
    try {
      return await this.opts.client.request<Lease>({
        path: resourcePath(core.leases, this.opts.namespace, name),
        timeoutMs: this.timings.renewDeadlineMs / 2,
        signal: this.abort.signal,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** POST creates; PUT carries the resourceVersion read, so a stale write gets 409. */
  private write(method: 'POST' | 'PUT', name: string, lease: Lease): Promise<Lease> {
    return this.opts.client.request<Lease>({
      method,
      path: resourcePath(core.leases, this.opts.namespace, method === 'PUT' ? name : undefined),
      body: lease,
      timeoutMs: this.timings.renewDeadlineMs / 2,
    });
  }

  private async remove(lease: Lease): Promise<void> {
    await this.opts.client
      .request({
        method: 'DELETE',
        path: resourcePath(core.leases, this.opts.namespace, lease.metadata.name),
        body: { preconditions: { resourceVersion: lease.metadata.resourceVersion } },
        timeoutMs: this.timings.renewDeadlineMs / 2,
      })
      .catch(() => undefined);
  }

  private warn(message: string, err: unknown, quiet = false): void {
    if (this.stopped) return;
    this.opts.log[quiet ? 'debug' : 'warn']({ err: (err as Error).message }, message);
  }

  private shardName(shard: number): string {
    return `${this.opts.prefix}-shard-${shard}`;
  }

  private memberName(identity: string): string {
    const safe = identity
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
    return `${this.opts.prefix}-member-${safe}`.slice(0, 253);
  }
}
