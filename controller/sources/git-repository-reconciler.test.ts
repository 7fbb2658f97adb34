// The GitRepository reconciler on the shared fake cluster (test/support/fake-cluster.ts), with a
// scripted source and a clock the tests move. The real thing is test/e2e/git-repository.test.ts.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, quietContext, RecordedEvents } from '../../test/support/fake-cluster.ts';
import { type GitRepository, gitRepositoryResource } from '../api/git-repository.ts';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../api/meta.ts';
import { createSourceMetrics } from '../observability/source-metrics.ts';
import { FINALIZER } from '../runtime/finalizers.ts';
import { StallingError, TransientError } from '../runtime/reconcile-errors.ts';
import { GitCache } from './git/git-cache.ts';
import { GitRepositoryReconciler } from './git-repository-reconciler.ts';
import type { FetchedSource, GitSource } from './git-source.ts';

const SHA = 'a'.repeat(40);

let cluster: FakeCluster;
let events: RecordedEvents;
let registry: Registry;
/** What the next fetch does: a revision, or an error to throw. */
let next: string | Error;
let fetches: number;

let cache: GitCache;

const source = {
  get cache() {
    return cache;
  },
  fetchLatest: async (): Promise<FetchedSource> => {
    fetches++;
    if (next instanceof Error) throw next;
    return { revision: next, sha: SHA, dir: '/tmp/none', fetched: true };
  },
} as unknown as GitSource;

function newRepo(
  spec: Partial<GitRepository['spec']> = {},
  annotations?: Record<string, string>,
): GitRepository {
  return cluster.put(gitRepositoryResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'shop', namespace: 'apps', ...(annotations ? { annotations } : {}) },
    spec: { url: 'https://git.example/shop.git', interval: '1m', ref: { branch: 'main' }, ...spec },
  });
}

let reconciler: GitRepositoryReconciler;

async function reconcile(): Promise<number | undefined> {
  const repo = cluster.find<GitRepository>(gitRepositoryResource, 'apps', 'shop') as GitRepository;
  return (await reconciler.reconcile(repo, quietContext())).requeueAfterMs;
}

const stored = () => cluster.find<GitRepository>(gitRepositoryResource, 'apps', 'shop')?.status;
const condition = (type: string) => stored()?.conditions?.find((c) => c.type === type);

beforeEach(() => {
  cluster = new FakeCluster();
  events = new RecordedEvents();
  registry = new Registry();
  next = `main@sha1:${SHA}`;
  fetches = 0;
  reconciler = new GitRepositoryReconciler({
    api: cluster.api(),
    source,
    events,
    metrics: createSourceMetrics(registry),
    repositories: cluster.informer<GitRepository>(gitRepositoryResource),
    now: () => new Date('2025-01-02T03:04:05Z'),
  });
});

describe('GitRepositoryReconciler', () => {
  it('records the artifact, is Ready, says so once, and polls at the interval', async () => {
    newRepo();
    const after = await reconcile();
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(66_000);
    expect(stored()).toMatchObject({
      artifact: { revision: `main@sha1:${SHA}`, lastUpdateTime: '2025-01-02T03:04:05Z' },
      observedGeneration: 1,
    });
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    await reconcile();
    expect(events.reasons).toEqual(['NewArtifact']);
  });

  it('stalls on a failure a person must fix: counted by the controller, one Warning, retried at the interval', async () => {
    newRepo({ interval: '20s' });
    await reconcile();
    next = new StallingError('AuthenticationFailed', 'Authentication failed', { retryAfterMs: 60_000 });
    await expect(reconcile()).rejects.toMatchObject({ errorClass: 'stalling', retryAfterMs: 20_000 });
    await expect(reconcile()).rejects.toBeInstanceOf(StallingError);
    expect(condition('Stalled')).toMatchObject({ status: 'True', reason: 'AuthenticationFailed' });
    // The last good artifact stays, and the message says it is still served.
    expect(condition('Ready')?.message).toBe(`Authentication failed (still serving 'main@sha1:${SHA}')`);
    expect(stored()?.artifact?.revision).toBe(`main@sha1:${SHA}`);
    expect(events.list.filter((e) => e.type === 'Warning')).toHaveLength(1);
    expect(await registry.metrics()).toContain(
      'sluice_git_fetch_failures_total{reason="AuthenticationFailed"} 2',
    );
  });

  it('retries a transient failure with Reconciling=True', async () => {
    newRepo();
    next = new Error('connection reset');
    await expect(reconcile()).rejects.toBeInstanceOf(TransientError);
    expect(condition('Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'GitOperationFailed' });
  });

  it('when suspended, records a reconcile request and fetches nothing', async () => {
    newRepo({ suspend: true }, { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'now-1' });
    expect(await reconcile()).toBeUndefined();
    expect(fetches).toBe(0);
    expect(stored()).toEqual({ lastHandledReconcileAt: 'now-1' });
  });

  describe('deletion', () => {
    let root: string;
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'sluice-cache-'));
      cache = new GitCache(root);
    });
    afterEach(() => rm(root, { recursive: true, force: true }));

    /** Deletes the GitRepository once its clone and artifact are cached: what of them is left. */
    const cachedAfterDeletion = async () => {
      const clone = cache.repoPath('https://git.example/shop.git');
      await mkdir(clone, { recursive: true });
      await mkdir(cache.artifactPath(SHA), { recursive: true });
      const live = cluster.stored<GitRepository>(gitRepositoryResource, 'apps', 'shop') as GitRepository;
      live.metadata.deletionTimestamp = '2025-01-02T03:04:05Z';
      await reconcile();
      expect(cluster.find(gitRepositoryResource, 'apps', 'shop')).toBeUndefined();
      return { clone: existsSync(clone), artifact: existsSync(cache.artifactPath(SHA)) };
    };

    it('holds a finalizer and, when deleted, removes its clone and artifact, then lets go', async () => {
      newRepo();
      await reconcile();
      expect(cluster.find<GitRepository>(gitRepositoryResource, 'apps', 'shop')?.metadata.finalizers).toEqual(
        [FINALIZER],
      );
      expect(await cachedAfterDeletion()).toEqual({ clone: false, artifact: false });
      expect(events.reasons).toContain('CacheRemoved');
    });

    it('keeps a clone and an artifact another GitRepository still reads', async () => {
      newRepo();
      await reconcile();
      cluster.put(gitRepositoryResource, {
        metadata: { name: 'twin', namespace: 'other' },
        spec: { url: 'https://git.example/shop.git', interval: '1m' },
        status: { artifact: { revision: `main@sha1:${SHA}`, lastUpdateTime: '2025-01-02T03:04:05Z' } },
      } as GitRepository);
      expect(await cachedAfterDeletion()).toEqual({ clone: true, artifact: true });
    });
  });
});
