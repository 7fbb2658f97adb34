// The Application reconciler on the shared fake cluster (test/support/fake-cluster.ts), with the
// sync pipeline scripted: this covers the reconcile around the stages (dependencies, source,
// sync, health, and how failures read in status), not the stages themselves, which have their
// own tests. The real thing is test/e2e/application.test.ts.

import { beforeEach, describe, expect, it } from 'vitest';
import { appReconcilerDeps } from '../../test/support/app-reconciler-deps.ts';
import { FakeCluster, quietContext, RecordedEvents } from '../../test/support/fake-cluster.ts';
import {
  type Application,
  applicationResource,
  type HookStatus,
  type SyncOperation,
} from '../api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../api/git-repository.ts';
import { type HelmRepository, helmRepositoryResource } from '../api/helm-repository.ts';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../api/meta.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';
import type { GitSource } from '../sources/git-source.ts';
import type { AppState, DriftReport } from './app-state.ts';
import { ApplicationReconciler } from './application-reconciler.ts';
import { SyncOperationFailed, SyncWaiting } from './hooks/operation.ts';
import { RenderError } from './render.ts';
import type { RestMapper } from './rest-mapper.ts';

const REVISION = `main@sha1:${'b'.repeat(40)}`;

let cluster: FakeCluster;
let events: RecordedEvents;
let reconciler: ApplicationReconciler;
let syncs: number;
/** What the next sync does: report, or throw. */
let nextSync: DriftReport | Error;

/** What the scripted pipeline applied, by Application key, as the real state remembers it. */
let applied: Map<string, string>;
/** The live objects health is judged from. */
let live: Record<string, unknown>[];
/** The pods health reads, by namespace and selector. */
let pods: Record<string, unknown>[];

/** The operation each scripted sync was handed, as it was handed. */
let operations: (SyncOperation | undefined)[];
/** What the scripted sync does to the operation it is handed, as the pipeline would. */
let onOperation: ((operation: SyncOperation) => void) | undefined;

/** Where the last scripted sync was told to render from. */
let rendered: { dir: string; path: string } | undefined;

/** Charts from HelmRepositories, scripted: `chartFiles` is what pulling gives (or throws). */
let chartFiles: string | Error;
const charts = {
  resolve: async (_repo: HelmRepository, chart: { name: string }) => ({
    name: chart.name,
    version: '1.1.0',
    digest: `sha256:${'c'.repeat(64)}`,
    revision: `1.1.0@sha256:${'c'.repeat(64)}`,
  }),
  files: async () => {
    if (chartFiles instanceof Error) throw chartFiles;
    return chartFiles;
  },
  withDependencies: async (root: string) => root,
};

/** The sync pipeline, scripted. */
const scriptedSync = async (
  _state: AppState,
  key: string,
  input: { revision: string; operation?: SyncOperation; dir: string; path: string },
) => {
  syncs++;
  rendered = { dir: input.dir, path: input.path };
  operations.push(input.operation && structuredClone(input.operation));
  if (input.operation) onOperation?.(input.operation);
  if (nextSync instanceof Error) throw nextSync;
  applied.set(key, input.revision);
  return nextSync;
};

/** The files each pair of revisions changed, as `from>to`; absent: cannot be told. */
let changedFiles: Map<string, string[]>;

function scriptedState(): AppState {
  return {
    has: (key: string, revision: string) => applied.get(key) === revision,
    // Every render of this Application read `deploy/` alone.
    inputs: () => ['deploy'],
    advance: (key: string, from: string, to: string) => {
      if (applied.get(key) !== from) return false;
      applied.set(key, to);
      return true;
    },
    forget: (key: string) => applied.delete(key),
    renderKey: () => undefined,
    correctDrift: async () => ({ changed: 0, changedIds: [], prunedIds: [], inventory: [] }),
    live: () =>
      live.map((object) => {
        const name = (object.metadata as { name: string }).name;
        return { id: `shop_${name}__${String(object.kind)}`, synced: true, object };
      }),
  } as unknown as AppState;
}

function newApp(): Application {
  return cluster.put(applicationResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: 'apps' },
    spec: { sourceRef: { name: 'shop' }, path: 'deploy', interval: '5m', retryInterval: '30s' },
  } as Application);
}

function newSource(): void {
  cluster.put(gitRepositoryResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'shop', namespace: 'apps' },
    spec: { url: 'https://git.example/shop.git', interval: '1m' },
    status: { artifact: { revision: REVISION, lastUpdateTime: '2025-01-02T03:00:00Z' } },
  } as GitRepository);
}

const current = () => cluster.find<Application>(applicationResource, 'apps', 'shop') as Application;
const condition = (type: string) => current().status?.conditions?.find((c) => c.type === type);
const reconcile = async () => (await reconciler.reconcile(current(), quietContext())).requeueAfterMs;

beforeEach(() => {
  cluster = new FakeCluster();
  events = new RecordedEvents();
  syncs = 0;
  rendered = undefined;
  chartFiles = '/cache/helm/charts/abc';
  operations = [];
  onOperation = undefined;
  applied = new Map();
  changedFiles = new Map();
  live = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } }];
  pods = [];
  nextSync = {
    changed: 1,
    changedIds: ['v1/ConfigMap/shop/settings'],
    prunedIds: [],
    inventory: [{ id: 'shop_settings__ConfigMap', v: 'v1' }],
  };
  reconciler = new ApplicationReconciler({
    ...appReconcilerDeps(cluster, events),
    mapper: {} as RestMapper,
    state: scriptedState(),
    sync: scriptedSync,
    source: {
      artifactFiles: async () => ({ revision: REVISION, dir: '/tmp/none' }),
      changedFiles: async (_repo: GitRepository, from: string, to: string) =>
        changedFiles.get(`${from}>${to}`),
    } as unknown as GitSource,
    charts,
    helmRepositories: cluster.informer<HelmRepository>(helmRepositoryResource),
    pods: async () => pods,
  });
});

describe('ApplicationReconciler', () => {
  it('applies the source revision, is Synced, Healthy and Ready, and looks again at the interval', async () => {
    newSource();
    newApp();
    const after = await reconcile();
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(330_000);
    expect(current().status).toMatchObject({
      lastAppliedRevision: REVISION,
      syncStatus: 'Synced',
      health: 'Healthy',
      observedGeneration: 1,
      inventory: { entries: [{ id: 'shop_settings__ConfigMap', v: 'v1' }] },
      history: [{ revision: REVISION, result: 'Succeeded', time: '2025-01-02T03:04:05Z' }],
    });
    expect(condition('Ready')).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });
    expect(events.reasons).toEqual(['Synced']);
    // Nothing new: no second sync, no second Event.
    await reconcile();
    expect(syncs).toBe(1);
    expect(events.reasons).toEqual(['Synced']);
  });

  it('waits for its source, retried at retryInterval, with one Event however often it looks', async () => {
    newApp();
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'waiting',
      reason: 'SourceNotFound',
      retryAfterMs: 30_000,
    });
    await expect(reconcile()).rejects.toMatchObject({ errorClass: 'waiting' });
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'SourceNotFound' });
    expect(events.list).toEqual([
      { type: 'Normal', reason: 'SourceNotFound', note: 'GitRepository apps/shop not found' },
    ]);
  });

  it('stalls on a commit that does not build: OutOfSync, one failed history entry, one Warning', async () => {
    newSource();
    newApp();
    nextSync = new RenderError('kustomization.yaml: unknown field');
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'stalling',
      reason: 'BuildFailed',
      retryAfterMs: 30_000,
    });
    await expect(reconcile()).rejects.toMatchObject({ errorClass: 'stalling' });
    expect(current().status).toMatchObject({ syncStatus: 'OutOfSync', observedGeneration: 1 });
    expect(current().status?.history).toHaveLength(1);
    expect(current().status?.history?.[0]).toMatchObject({ result: 'Failed', revision: REVISION });
    expect(condition('Stalled')).toMatchObject({ status: 'True', reason: 'BuildFailed' });
    expect(events.list.filter((e) => e.type === 'Warning').map((e) => e.reason)).toEqual(['BuildFailed']);
  });

  it('syncs in full again on a reconcile-now request, and records that it handled it', async () => {
    newSource();
    newApp();
    await reconcile();
    expect(syncs).toBe(1);
    const synced = current();
    synced.metadata.annotations = { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'now-1' };
    cluster.put(applicationResource, synced);
    await reconcile();
    expect(syncs).toBe(2);
    expect(current().status?.lastHandledReconcileAt).toBe('now-1');
  });

  it("is Degraded at once when a Deployment's pod crash-loops, and looks again soon while Progressing", async () => {
    newSource();
    newApp();
    live = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop', uid: 'd1', generation: 1 },
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } },
        status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 },
      },
    ];
    expect(await reconcile()).toBe(5_000);
    expect(current().status?.health).toBe('Progressing');
    pods = [
      {
        kind: 'Pod',
        metadata: { name: 'web-abc', ownerReferences: [{ kind: 'ReplicaSet', uid: 'r1', controller: true }] },
        status: { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
      },
    ];
    await reconcile();
    expect(current().status?.health).toBe('Degraded');
    expect(condition('Healthy')?.message).toBe(
      'Deployment shop/web: pod web-abc container app: CrashLoopBackOff',
    );
    expect(events.list.at(-1)).toMatchObject({ type: 'Warning', reason: 'HealthDegraded' });
  });

  it('judges a kind by its healthCheckExprs', async () => {
    newSource();
    const app = newApp();
    app.spec.healthCheckExprs = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        current: "data.ready == 'yes'",
        failed: "data.ready == 'never'",
      },
    ];
    cluster.put(applicationResource, app);
    live = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gate' }, data: { ready: 'never' } }];
    await reconcile();
    expect(current().status?.health).toBe('Degraded');
    expect(condition('Healthy')?.message).toContain("failed: data.ready == 'never'");
  });

  it('stalls, applying nothing, on a healthCheckExprs expression that does not compile', async () => {
    newSource();
    const app = newApp();
    app.spec.healthCheckExprs = [
      { apiVersion: 'example.com/v1', kind: 'Widget', current: 'status.ready ==' },
    ];
    cluster.put(applicationResource, app);
    await expect(reconcile()).rejects.toMatchObject({ errorClass: 'stalling', reason: 'InvalidHealthCheck' });
    expect(syncs).toBe(0);
    expect(condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidHealthCheck' });
    expect(condition('Ready')?.message).toContain('example.com/v1 Widget');
    expect(condition('Ready')?.message).toContain('"status.ready =="');
  });

  it('stalls before syncing when an ignoreDifferences pointer is not a JSON pointer, naming the field', async () => {
    newSource();
    const app = newApp();
    app.spec.ignoreDifferences = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['spec/replicas'] }];
    cluster.put(applicationResource, app);
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'stalling',
      reason: 'InvalidIgnoreDifferences',
    });
    expect(syncs).toBe(0);
    expect(condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidIgnoreDifferences' });
    expect(condition('Ready')?.message).toContain(
      'spec.ignoreDifferences[0].jsonPointers[0]: "spec/replicas"',
    );
  });

  it('keeps a sync that waits for a hook in status, Progressing not failed, and continues it', async () => {
    newSource();
    newApp();
    nextSync = new SyncWaiting('waiting for PreSync hook Job apps/migrate-x1 to complete');
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'waiting',
      reason: 'SyncProgressing',
      retryAfterMs: 5_000,
    });
    expect(current().status?.operation).toMatchObject({ revision: REVISION, phase: 'Running', step: 0 });
    expect(current().status?.syncStatus).toBeUndefined();
    expect(condition('Ready')).toMatchObject({
      status: 'False',
      reason: 'SyncProgressing',
      message: `revision ${REVISION}: waiting for PreSync hook Job apps/migrate-x1 to complete`,
    });
    nextSync = { changed: 1, changedIds: [], prunedIds: [], inventory: [] };
    await reconcile();
    expect(operations[1]?.startedAt).toBe(operations[0]?.startedAt);
    expect(current().status?.operation?.phase).toBe('Succeeded');
    expect(condition('Ready')?.status).toBe('True');
  });

  it('does not run a failed sync again until asked: the hook is named, one Warning', async () => {
    newSource();
    newApp();
    nextSync = new SyncOperationFailed(
      'HookFailed',
      'PreSync hook Job apps/migrate-x1 failed: BackoffLimitExceeded',
    );
    onOperation = (operation) => {
      Object.assign(operation, {
        phase: 'Failed',
        reason: 'HookFailed',
        message: (nextSync as Error).message,
      });
    };
    await expect(reconcile()).rejects.toMatchObject({ errorClass: 'stalling', reason: 'HookFailed' });
    await expect(reconcile()).rejects.toMatchObject({ errorClass: 'stalling', reason: 'HookFailed' });
    expect(syncs).toBe(1);
    expect(condition('Ready')).toMatchObject({
      status: 'False',
      reason: 'HookFailed',
      message: `revision ${REVISION}: PreSync hook Job apps/migrate-x1 failed: BackoffLimitExceeded`,
    });
    expect(current().status?.syncStatus).toBe('OutOfSync');
    expect(events.list.filter((e) => e.type === 'Warning').map((e) => e.reason)).toEqual(['HookFailed']);
    const asked = current();
    asked.metadata.annotations = { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'now-1' };
    cluster.put(applicationResource, asked);
    nextSync = { changed: 1, changedIds: [], prunedIds: [], inventory: [] };
    onOperation = undefined;
    await reconcile();
    expect(syncs).toBe(2);
    expect(operations[1]).toMatchObject({ phase: 'Running', step: 0 });
  });

  it('after a restart applies a synced revision again without its hooks, keeping their record', async () => {
    newSource();
    newApp();
    const ran: HookStatus = {
      key: 'PreSync/apps_migrate_batch_Job',
      step: 'PreSync/0',
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: 'apps',
      name: 'migrate',
      state: 'Succeeded',
      deletePolicies: ['HookSucceeded'],
      deleted: true,
    };
    onOperation = (operation) => {
      if (!operation.replay) operation.hooks = [...(operation.hooks ?? []), ran];
    };
    await reconcile();
    applied.clear(); // what a restart forgets
    await reconcile();
    expect(syncs).toBe(2);
    expect(operations[0]?.replay).toBeUndefined();
    expect(operations[1]?.replay).toBe(true);
    // What ran for this revision still shows, step and all, after the replay.
    expect(current().status?.operation?.hooks).toEqual([ran]);
  });
});

describe('an Application of a chart from a HelmRepository', () => {
  function newChartApp(): void {
    cluster.put(applicationResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'apps' },
      spec: {
        helm: {
          chart: { name: 'web', version: '1.x', sourceRef: { kind: 'HelmRepository', name: 'charts' } },
        },
        interval: '5m',
        retryInterval: '30s',
        prune: true,
      },
    });
  }

  function newHelmRepository(): void {
    cluster.put(helmRepositoryResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'HelmRepository',
      metadata: { name: 'charts', namespace: 'apps' },
      spec: { url: 'https://charts.example', interval: '1m' },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: 'ok',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
        ],
        artifact: { revision: `sha256:${'d'.repeat(64)}`, lastUpdateTime: '2025-01-01T00:00:00Z' },
      },
    });
  }

  it('waits for its HelmRepository, naming it', async () => {
    newChartApp();
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'waiting',
      reason: 'SourceNotFound',
      message: 'HelmRepository apps/charts not found',
    });
  });

  it('applies the chosen version as its revision, rendering the pulled chart', async () => {
    newHelmRepository();
    newChartApp();
    await reconcile();
    expect(current().status?.lastAppliedRevision).toBe(`1.1.0@sha256:${'c'.repeat(64)}`);
    expect(rendered).toEqual({ dir: '/cache/helm/charts/abc', path: 'web' });
    expect(condition('Ready')?.status).toBe('True');
  });

  it('stalls naming the chart when pulling it needs a person', async () => {
    newHelmRepository();
    newChartApp();
    chartFiles = new StallingError(
      'DependencyNotResolved',
      'dependency "lib" (repository "https://x.example"): no HelmRepository in namespace apps has this URL',
    );
    await expect(reconcile()).rejects.toMatchObject({
      errorClass: 'stalling',
      reason: 'DependencyNotResolved',
    });
    expect(condition('Stalled')?.status).toBe('True');
    expect(condition('Ready')?.message).toBe(
      'chart web 1.1.0: dependency "lib" (repository "https://x.example"): no HelmRepository in namespace apps has this URL',
    );
    expect(syncs).toBe(0);
  });
});

describe('a new revision that changed none of the paths the Application renders from', () => {
  const revision = (n: number) => `main@sha1:${String(n).repeat(40)}`;
  /** The GitRepository at revision `n`, which changed `files` since revision `n - 1`. */
  const commit = (n: number, files: string[] | undefined) => {
    if (files) changedFiles.set(`${revision(n - 1)}>${revision(n)}`, files);
    const repo = cluster.find<GitRepository>(gitRepositoryResource, 'apps', 'shop') as GitRepository;
    cluster.put(gitRepositoryResource, {
      ...repo,
      status: { artifact: { revision: revision(n), lastUpdateTime: '2025-01-02T03:00:00Z' } },
    });
  };

  beforeEach(async () => {
    newSource();
    newApp();
    commit(1, undefined);
    await reconcile();
    expect(syncs).toBe(1);
  });

  it('is taken without a sync; a change under its path is synced', async () => {
    commit(2, ['other/cm.yaml', 'README.md']);
    await reconcile();
    expect(syncs).toBe(1);
    expect(current().status).toMatchObject({
      lastAppliedRevision: revision(2),
      lastAttemptedRevision: revision(2),
      syncStatus: 'Synced',
    });
    expect(condition('Ready')).toMatchObject({ status: 'True', message: `applied revision: ${revision(2)}` });
    // In the history as the sync it stands for, saying nothing was rendered.
    expect(current().status?.history?.[0]).toMatchObject({
      revision: revision(2),
      result: 'Succeeded',
      message: 'inputs unchanged: not rendered',
      objectsChanged: 0,
      objectsPruned: 0,
    });

    commit(3, ['deploy/cm.yaml']);
    await reconcile();
    expect(syncs).toBe(2);
    expect(current().status?.lastAppliedRevision).toBe(revision(3));
  });

  it('keeps one history entry for the commits taken between two syncs, the latest', async () => {
    for (const n of [2, 3, 4]) {
      commit(n, ['other/cm.yaml']);
      await reconcile();
    }
    const history = () => current().status?.history?.map((h) => [h.revision, h.message ?? 'synced']);
    expect(history()).toEqual([
      [revision(4), 'inputs unchanged: not rendered'],
      [revision(1), 'synced'],
    ]);
    commit(5, ['deploy/cm.yaml']);
    await reconcile();
    commit(6, ['other/cm.yaml']);
    await reconcile();
    expect(history()).toEqual([
      [revision(6), 'inputs unchanged: not rendered'],
      [revision(5), 'synced'],
      [revision(4), 'inputs unchanged: not rendered'],
      [revision(1), 'synced'],
    ]);
  });

  it('is synced when the changed files cannot be told, or a reconcile is requested', async () => {
    commit(2, undefined);
    await reconcile();
    expect(syncs).toBe(2);
    commit(3, ['other/cm.yaml']);
    const app = current();
    cluster.put(applicationResource, {
      ...app,
      metadata: { ...app.metadata, annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'now' } },
    });
    await reconcile();
    expect(syncs).toBe(3);
  });

  it('follows argocd.argoproj.io/manifest-generate-paths instead when it is set', async () => {
    const app = current();
    cluster.put(applicationResource, {
      ...app,
      metadata: { ...app.metadata, annotations: { 'argocd.argoproj.io/manifest-generate-paths': '/shared' } },
    });
    commit(2, ['deploy/cm.yaml']);
    await reconcile();
    expect(syncs).toBe(1);
    commit(3, ['shared/values.yaml']);
    await reconcile();
    expect(syncs).toBe(2);
  });

  it('after a failed sync, the next revision is synced even if it changed nothing of it', async () => {
    commit(2, ['deploy/cm.yaml']);
    nextSync = new RenderError('deploy/cm.yaml:3: bad');
    await reconcile().catch(() => undefined);
    expect(syncs).toBe(2);
    nextSync = { changed: 0, changedIds: [], prunedIds: [], inventory: [] };
    commit(3, ['README.md']);
    await reconcile();
    expect(syncs).toBe(3);
  });

  it('queues first the Applications whose inputs changed', async () => {
    commit(2, ['other/cm.yaml']);
    const repo = cluster.find<GitRepository>(gitRepositoryResource, 'apps', 'shop') as GitRepository;
    expect(await reconciler.inputsChanged(current(), repo)).toBe(false);
    commit(3, ['deploy/cm.yaml']);
    changedFiles.set(`${revision(1)}>${revision(3)}`, ['deploy/cm.yaml']);
    const now = cluster.find<GitRepository>(gitRepositoryResource, 'apps', 'shop') as GitRepository;
    expect(await reconciler.inputsChanged(current(), now)).toBe(true);
  });
});
