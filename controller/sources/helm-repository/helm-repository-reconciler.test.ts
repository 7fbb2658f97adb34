// The HelmRepository reconciler on the shared fake cluster, with a scripted repository. The
// real thing: test/integration/helm-charts.test.ts and test/e2e/app-helm-repository.test.ts.

import { beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, quietContext, RecordedEvents } from '../../../test/support/fake-cluster.ts';
import { type HelmRepository, helmRepositoryResource } from '../../api/helm-repository.ts';
import { StallingError, TransientError } from '../../runtime/reconcile-errors.ts';
import type { RepositoryCheck } from './helm-charts.ts';
import { HelmRepositoryReconciler } from './helm-repository-reconciler.ts';

const INDEX = `sha256:${'c'.repeat(64)}`;
let cluster: FakeCluster;
let events: RecordedEvents;
/** What the next check finds, or the error it throws. */
let next: RepositoryCheck | Error;
let reconciler: HelmRepositoryReconciler;

function newRepo(spec: Partial<HelmRepository['spec']> = {}): void {
  cluster.put(helmRepositoryResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'HelmRepository',
    metadata: { name: 'charts', namespace: 'apps' },
    spec: { url: 'https://charts.example', interval: '1m', ...spec },
  });
}

const current = () =>
  cluster.find<HelmRepository>(helmRepositoryResource, 'apps', 'charts') as HelmRepository;
const condition = (type: string) => current().status?.conditions?.find((c) => c.type === type);
const reconcile = async () => (await reconciler.reconcile(current(), quietContext())).requeueAfterMs;

beforeEach(() => {
  cluster = new FakeCluster();
  events = new RecordedEvents();
  next = { revision: INDEX, size: 120, url: 'https://charts.example' };
  reconciler = new HelmRepositoryReconciler({
    api: cluster.api(),
    charts: {
      check: async () => {
        if (next instanceof Error) throw next;
        return next;
      },
    },
    events,
    now: () => new Date('2025-01-02T03:04:05Z'),
  });
});

describe('HelmRepositoryReconciler', () => {
  it('records the index revision, is Ready, and polls at the interval', async () => {
    newRepo();
    const after = await reconcile();
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(66_000);
    expect(current().status).toMatchObject({
      artifact: { revision: INDEX, size: 120, lastUpdateTime: '2025-01-02T03:04:05Z' },
      observedGeneration: 1,
    });
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    await reconcile();
    expect(events.reasons).toEqual(['NewArtifact']);
  });

  it('has no artifact for a registry, only Ready', async () => {
    newRepo({ url: 'oci://registry.example/charts', type: 'oci' });
    next = { revision: undefined, size: undefined, url: 'oci://registry.example/charts' };
    await reconcile();
    expect(current().status?.artifact).toBeUndefined();
    expect(condition('Ready')?.message).toBe('registry oci://registry.example/charts is reachable');
  });

  it('stalls on refused credentials keeping the last index, one Warning, and looks again within the interval', async () => {
    newRepo();
    await reconcile();
    next = new StallingError(
      'AuthenticationFailed',
      'HTTP 401 Unauthorized from https://charts.example/index.yaml',
      {
        retryAfterMs: 60_000,
      },
    );
    const failure = await reconcile().catch((e: unknown) => e);
    expect((failure as StallingError).retryAfterMs).toBe(60_000);
    expect(condition('Stalled')?.status).toBe('True');
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'AuthenticationFailed' });
    expect(condition('Ready')?.message).toContain(`still serving '${INDEX}'`);
    expect(current().status?.artifact?.revision).toBe(INDEX);
    await reconcile().catch(() => undefined);
    expect(events.reasons).toEqual(['NewArtifact', 'AuthenticationFailed']);
  });

  it('retries a server error as transient, Reconciling', async () => {
    newRepo();
    next = new TransientError('IndexationFailed', 'HTTP 503 from https://charts.example/index.yaml');
    await expect(reconcile()).rejects.toBeInstanceOf(TransientError);
    expect(condition('Reconciling')?.status).toBe('True');
    expect(condition('Stalled')).toBeUndefined();
  });

  it('does nothing while suspended', async () => {
    newRepo({ suspend: true });
    next = new Error('must not be called');
    await reconcile();
    expect(current().status?.artifact).toBeUndefined();
  });
});
