// Replicas sharing shards through Leases, against a stand-in for the API server that keeps
// its compare-and-swap on resourceVersion: fair shares, joining, and a replica cut off that
// stops writing before anyone else takes its shards.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeApiError, KubeConnectionError } from '../../kube/api-errors.ts';
import type { RequestOptions } from '../../kube/client.ts';
import { createLogger } from '../../observability/logger.ts';
import type { Lease } from '../leader-election.ts';
import type { LeaseTimings } from '../lease.ts';
import { ShardLeases } from './shard-leases.ts';

// Fast timings with the same proportions as the defaults (15 s / 10 s / 2 s).
const timings: LeaseTimings = { leaseDurationMs: 450, renewDeadlineMs: 300, retryPeriodMs: 60 };
const S = 8;

/** Leases of one namespace by name, with resourceVersion preconditions and label selection. */
class LeaseStore {
  readonly leases = new Map<string, Lease>();
  private version = 0;

  handle(opts: RequestOptions): unknown {
    const name = decodeURIComponent(opts.path.split('/leases')[1]?.slice(1) ?? '');
    const method = opts.method ?? 'GET';
    const current = this.leases.get(name);
    if (method === 'GET' && !name) {
      const [k, v] = String(opts.query?.labelSelector ?? '').split('=');
      const items = [...this.leases.values()].filter((l) => k && l.metadata.labels?.[k] === v);
      return structuredClone({ metadata: {}, items });
    }
    if (method === 'GET' || method === 'DELETE') {
      if (!current) throw new KubeApiError(404, 'NotFound', `leases "${name}" not found`);
      if (method === 'DELETE') this.leases.delete(name);
      return structuredClone(current);
    }
    const body = structuredClone(opts.body) as Lease;
    const key = body.metadata.name;
    if (method === 'POST' && this.leases.has(key)) throw new KubeApiError(409, 'AlreadyExists', 'exists');
    if (method === 'PUT' && body.metadata.resourceVersion !== current?.metadata.resourceVersion)
      throw new KubeApiError(409, 'Conflict', 'the object has been modified');
    this.version++;
    const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(this.version) } };
    this.leases.set(key, stored);
    return structuredClone(stored);
  }
}

interface Replica {
  leases: ShardLeases;
  held: number;
  cut: boolean;
  /** While set, requests wait for it to settle, then go through: a slow API server. */
  stall: Promise<void> | undefined;
  /** Shards queued for reconciling, in order. */
  queued: number[];
}

const running: ShardLeases[] = [];
/** Fails the requests of a cut-off replica, which hang until the test ends (a partition). */
const hung: (() => void)[] = [];
let tearingDown = false;
afterEach(async () => {
  tearingDown = true;
  for (const fail of hung.splice(0)) fail();
  await Promise.all(running.splice(0).map((l) => l.release()));
  tearingDown = false;
});

function start(store: LeaseStore, identity: string, all: Map<string, Replica>, overlaps: string[]): Replica {
  const r: Replica = { held: 0, cut: false, stall: undefined, queued: [] } as unknown as Replica;
  r.leases = new ShardLeases({
    client: {
      request: async <T>(opts: RequestOptions) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (r.cut && tearingDown) throw new KubeConnectionError('timed out');
        if (r.cut)
          await new Promise((_, reject) => hung.push(() => reject(new KubeConnectionError('timed out'))));
        await r.stall;
        return store.handle(opts) as T;
      },
    },
    namespace: 'ns',
    identity,
    shards: S,
    prefix: 'sluice',
    log: createLogger('silent'),
    timings,
    onAcquired: (shard) => {
      r.queued.push(shard);
      // Taking a shard while any other replica may still write under it would be a split brain.
      for (const [other, o] of all)
        if (other !== identity && o.leases.claim(shard))
          overlaps.push(`${identity} took ${shard} from ${other}`);
    },
    onChange: (held) => {
      r.held = held;
    },
  });
  all.set(identity, r);
  running.push(r.leases);
  r.leases.run();
  return r;
}

/** Which shards each replica may reconcile now. */
function claims(all: Map<string, Replica>): Map<string, number[]> {
  return new Map(
    [...all].map(([id, r]) => [id, [...Array(S).keys()].filter((s) => r.leases.claim(s) !== undefined)]),
  );
}

describe('ShardLeases', () => {
  it('shares the shards fairly and gives a joining replica its share, never one shard to two', async () => {
    const store = new LeaseStore();
    const all = new Map<string, Replica>();
    const overlaps: string[] = [];
    for (const id of ['a', 'b', 'c']) start(store, id, all, overlaps);
    await vi.waitFor(
      () => {
        const sizes = [...claims(all).values()].map((s) => s.length).sort();
        expect(sizes).toEqual([2, 3, 3]);
      },
      { timeout: 10_000, interval: 20 },
    );
    start(store, 'd', all, overlaps);
    await vi.waitFor(() => expect([...claims(all).values()].map((s) => s.length)).toEqual([2, 2, 2, 2]), {
      timeout: 10_000,
      interval: 20,
    });
    const held = [...claims(all).values()].flat().sort();
    expect(held).toEqual([...Array(S).keys()]);
    expect(overlaps).toEqual([]);
    // Each shard is one Lease held by the replica that claims it; each replica one membership.
    for (const [id, shards] of claims(all))
      for (const s of shards) expect(store.leases.get(`sluice-shard-${s}`)?.spec?.holderIdentity).toBe(id);
    expect([...store.leases.keys()].filter((k) => k.startsWith('sluice-member-')).sort()).toEqual([
      'sluice-member-a',
      'sluice-member-b',
      'sluice-member-c',
      'sluice-member-d',
    ]);
  });

  it('stops a replica whose requests hang writing before the others take its shards', async () => {
    const store = new LeaseStore();
    const all = new Map<string, Replica>();
    const overlaps: string[] = [];
    const a = start(store, 'a', all, overlaps);
    for (const id of ['b', 'c']) start(store, id, all, overlaps);
    await vi.waitFor(() => expect(a.held).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    const terms = new Map([...Array(S).keys()].map((s) => [s, a.leases.claim(s)?.term]));
    a.cut = true;
    await vi.waitFor(
      () => {
        const c = claims(all);
        expect(c.get('a')).toEqual([]);
        expect([...(c.get('b') ?? []), ...(c.get('c') ?? [])].sort()).toEqual([...Array(S).keys()]);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(overlaps).toEqual([]);
    // What it held is held by the others in a later term.
    for (const [s, term] of terms)
      if (term !== undefined)
        expect(store.leases.get(`sluice-shard-${s}`)?.spec?.leaseTransitions).toBeGreaterThan(term);
  });

  it('hands every shard back and leaves the membership on release', async () => {
    const store = new LeaseStore();
    const all = new Map<string, Replica>();
    const a = start(store, 'a', all, []);
    await vi.waitFor(() => expect(a.held).toBe(S), { timeout: 10_000, interval: 20 });
    await a.leases.release();
    expect(a.held).toBe(0);
    for (let s = 0; s < S; s++) expect(store.leases.get(`sluice-shard-${s}`)?.spec?.holderIdentity).toBe('');
    expect(store.leases.has('sluice-member-a')).toBe(false);
  });

  it('stops writing while renewals are late, and queues the shard again when one lands in time', async () => {
    const store = new LeaseStore();
    const all = new Map<string, Replica>();
    const a = start(store, 'a', all, []);
    await vi.waitFor(() => expect(a.held).toBe(S), { timeout: 10_000, interval: 20 });
    const term = a.leases.claim(0)?.term;
    a.queued.length = 0;
    let resume = () => {};
    a.stall = new Promise<void>((resolve) => {
      resume = resolve;
    });
    // Past the renew deadline: no claim, so nothing is reconciled or written.
    await vi.waitFor(() => expect(a.leases.claim(0)).toBeUndefined(), { timeout: 10_000, interval: 20 });
    a.stall = undefined;
    resume();
    // The late renewals succeed (nobody took the shards): same term, every shard queued again.
    await vi.waitFor(() => expect(a.leases.claim(0)).toEqual({ shard: 0, term }), {
      timeout: 10_000,
      interval: 20,
    });
    await vi.waitFor(() => expect(new Set(a.queued).size).toBe(S), { timeout: 10_000, interval: 20 });
  });
});
