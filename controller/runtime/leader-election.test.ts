import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeConnectionError } from '../kube/api-errors.ts';
import type { RequestOptions } from '../kube/client.ts';
import { createLogger } from '../observability/logger.ts';
import { LeaderElector, type LeadershipLostError, type Lease } from './leader-election.ts';
import type { LeaseTimings } from './lease.ts';

// Fast timings with the same proportions as the defaults (15 s / 10 s / 2 s).
const timings: LeaseTimings = { leaseDurationMs: 450, renewDeadlineMs: 300, retryPeriodMs: 60 };
const log = createLogger('silent');

/** One Lease with the API server's compare-and-swap on resourceVersion. */
class LeaseStore {
  lease: Lease | undefined;
  /** Every successful write: the holder before it and after it. */
  readonly writes: { before: string | undefined; after: string }[] = [];
  private version = 0;

  handle(opts: RequestOptions): unknown {
    const method = opts.method ?? 'GET';
    if (method === 'GET') {
      if (!this.lease) throw new KubeApiError(404, 'NotFound', 'leases "l" not found');
      return structuredClone(this.lease);
    }
    const body = structuredClone(opts.body) as Lease;
    if (method === 'POST' && this.lease) throw new KubeApiError(409, 'AlreadyExists', 'already exists');
    if (method === 'PUT' && body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new KubeApiError(409, 'Conflict', 'the object has been modified');
    }
    this.version++;
    this.writes.push({ before: this.lease?.spec?.holderIdentity, after: body.spec?.holderIdentity ?? '' });
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(this.version) } };
    return structuredClone(this.lease);
  }
}

interface Replica {
  elector: LeaderElector;
  /** While true, this replica cannot reach the API server. */
  cut: boolean;
  /** Requests this replica has sent, answered or not: proof it had its chances to act. */
  requests: number;
  /** When it started and stopped leading, as positions in one order across replicas. */
  startedAt: number | undefined;
  lost: LeadershipLostError | undefined;
  lostAt: number | undefined;
}

const electors: LeaderElector[] = [];
/** Orders starts and stops across replicas, so "before" is exact. */
let order = 0;
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.release()));
});

function replica(store: LeaseStore, identity: string): Replica {
  const r: Replica = {
    cut: false,
    requests: 0,
    startedAt: undefined,
    lost: undefined,
    lostAt: undefined,
  } as Replica;
  r.elector = new LeaderElector({
    client: {
      request: async <T>(opts: RequestOptions): Promise<T> => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        r.requests++;
        if (r.cut) throw new KubeConnectionError('connect ECONNREFUSED');
        return store.handle(opts) as T;
      },
    },
    namespace: 'ns',
    name: 'l',
    identity,
    log,
    timings,
    onStartedLeading: () => {
      r.startedAt = ++order;
    },
    onStoppedLeading: (err) => {
      r.lost = err;
      r.lostAt = ++order;
    },
  });
  electors.push(r.elector);
  r.elector.run();
  return r;
}

async function until(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('LeaderElector', () => {
  it('lets exactly one of two replicas lead, and keeps renewing', async () => {
    const store = new LeaseStore();
    const a = replica(store, 'a');
    const b = replica(store, 'b');
    await until(() => a.elector.isLeader || b.elector.isLeader);
    // Both have had their chances since: the leader renewed, the other looked several times.
    const since = b.requests + a.requests;
    await until(
      () => Number(store.lease?.metadata.resourceVersion) > 3 && a.requests + b.requests >= since + 6,
    );
    expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
    const leader = a.elector.isLeader ? 'a' : 'b';
    expect(store.lease?.spec?.holderIdentity).toBe(leader);
    expect(store.lease?.spec?.leaseTransitions).toBe(0);
    expect(Number(store.lease?.metadata.resourceVersion)).toBeGreaterThan(3);
  });

  it('hands over at once on release, counting a transition', async () => {
    const store = new LeaseStore();
    const a = replica(store, 'a');
    await until(() => a.elector.isLeader);
    const b = replica(store, 'b');
    await until(() => b.requests >= 2);
    expect(b.elector.isLeader).toBe(false);
    await a.elector.release();
    expect(a.lost).toBeUndefined();
    await until(() => b.elector.isLeader);
    // b took a released lease (no holder), not one it waited out: a released, then b acquired.
    const took = store.writes.findIndex((w) => w.after === 'b');
    expect(store.writes.slice(took - 1, took + 1)).toEqual([
      { before: 'a', after: '' },
      { before: '', after: 'b' },
    ]);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('stops a leader that cannot renew before its deadline, before a standby can take over', async () => {
    const store = new LeaseStore();
    const a = replica(store, 'a');
    await until(() => a.elector.isLeader);
    const b = replica(store, 'b');
    await until(() => b.requests >= 2);
    a.cut = true;
    await until(() => a.lost !== undefined);
    expect(a.elector.isLeader).toBe(false);
    expect(a.lost?.name).toBe('LeadershipLostError');
    expect(a.lost?.message).toContain('could not renew');
    await until(() => b.elector.isLeader);
    // Safety: the old leader had stopped acting before the new one started.
    expect(b.startedAt).toBeGreaterThan(a.lostAt ?? Number.POSITIVE_INFINITY);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('stops at once when another replica holds the lease', async () => {
    const store = new LeaseStore();
    const a = replica(store, 'a');
    await until(() => a.elector.isLeader);
    const lease = store.lease as Lease;
    store.handle({
      method: 'PUT',
      path: '',
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: 'x' } },
    });
    await until(() => a.lost !== undefined, 3 * timings.retryPeriodMs);
    expect(a.lost?.message).toContain('held by intruder');
  });

  it('keeps trying while the lease namespace cannot be written', async () => {
    const store = new LeaseStore();
    const a = replica(store, 'a');
    a.cut = true;
    await until(() => a.requests >= 3);
    expect(a.elector.isLeader).toBe(false);
    a.cut = false;
    await until(() => a.elector.isLeader);
    expect(a.lost).toBeUndefined();
  });
});
