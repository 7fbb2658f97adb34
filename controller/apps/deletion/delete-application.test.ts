// An Application's deletion through its reconciler, on the shared fake cluster: the policy's
// effect on the inventory, what status and events say, and the finalizer going only when
// the deletion is done. The real thing is test/e2e/app-deletion.test.ts.

import { beforeEach, describe, expect, it } from 'vitest';
import { appReconcilerDeps } from '../../../test/support/app-reconciler-deps.ts';
import { FakeCluster, quietContext, RecordedEvents } from '../../../test/support/fake-cluster.ts';
import { type Application, applicationResource, type DeletionPolicy } from '../../api/application.ts';
import { KubeApiError } from '../../kube/api-errors.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { core } from '../../kube/resources.ts';
import { FINALIZER } from '../../runtime/finalizers.ts';
import { TransientError } from '../../runtime/reconcile-errors.ts';
import type { GitSource } from '../../sources/git-source.ts';
import type { AppState } from '../app-state.ts';
import { ApplicationReconciler } from '../application-reconciler.ts';
import type { RestMapper } from '../rest-mapper.ts';

const configMaps = core.configMaps;

let cluster: FakeCluster;
let events: RecordedEvents;
let api: ObjectApi;

function reconciler(): ApplicationReconciler {
  return new ApplicationReconciler({
    ...appReconcilerDeps(cluster, events),
    api,
    mapper: { map: async () => core.configMaps } as unknown as RestMapper,
    state: {} as AppState,
    source: {} as GitSource,
  });
}

function configMap(name: string, namespace = 'shop', annotations?: Record<string, string>): void {
  cluster.put(configMaps, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  });
}

/** An Application being deleted, whose inventory lists `names` (namespace/name). */
function deletedApp(policy: DeletionPolicy | undefined, names: string[], prune = true): void {
  cluster.put(applicationResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: {
      name: 'shop',
      namespace: 'shop',
      finalizers: [FINALIZER],
      deletionTimestamp: '2025-01-02T03:04:00Z',
    },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'shop' },
      interval: '5m',
      prune,
      ...(policy ? { deletionPolicy: policy } : {}),
    },
    status: {
      inventory: {
        entries: names.map((n) => {
          const [ns, name] = n.split('/');
          return { id: `${ns}_${name}__ConfigMap`, v: 'v1' };
        }),
      },
    },
  } as Application);
}

const app = () => cluster.find<Application>(applicationResource, 'shop', 'shop');
const cm = (namespace: string, name: string) => cluster.find(configMaps, namespace, name);
const reconcile = async (r = reconciler()) => {
  const current = app();
  if (!current) throw new Error('the Application is gone');
  return (await r.reconcile(current, quietContext())).requeueAfterMs;
};

beforeEach(() => {
  cluster = new FakeCluster();
  events = new RecordedEvents();
  api = cluster.api();
  for (const ns of ['apps', 'shop', 'other']) cluster.put(core.namespaces, { metadata: { name: ns } });
});

describe('Application deletion', () => {
  it('MirrorPrune with prune on deletes the inventory but what is annotated to stay, and lets go', async () => {
    configMap('settings');
    configMap('keep', 'shop', { 'argocd.argoproj.io/sync-options': 'Delete=false' });
    deletedApp(undefined, ['shop/settings', 'shop/keep']);
    await reconcile();
    expect(cm('shop', 'settings')).toBeUndefined();
    expect(cm('shop', 'keep')).toBeDefined();
    expect(app()).toBeUndefined();
    expect(events.list.map((e) => e.note)).toEqual([
      'kept ConfigMap/keep: Delete=false',
      'deleting 1 objects (policy MirrorPrune)',
      'deleted 1 objects, kept 1 (policy MirrorPrune)',
    ]);
  });

  it('MirrorPrune with prune off, and Orphan, leave everything', async () => {
    configMap('settings');
    deletedApp('MirrorPrune', ['shop/settings'], false);
    await reconcile();
    expect(cm('shop', 'settings')).toBeDefined();
    expect(app()).toBeUndefined();
    deletedApp('Orphan', ['shop/settings']);
    await reconcile();
    expect(cm('shop', 'settings')).toBeDefined();
    expect(events.list.map((e) => e.note)).toEqual([
      'orphaning 1 objects (policy MirrorPrune, prune off)',
      'orphaning 1 objects (policy Orphan)',
    ]);
  });

  it('WaitForTermination keeps the finalizer while an object terminates, and a new controller finishes', async () => {
    cluster.put(configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: 'shop', finalizers: ['example.com/hold'] },
    });
    deletedApp('WaitForTermination', ['shop/held']);
    expect(await reconcile()).toBe(2_000);
    expect(app()?.status?.deletion).toMatchObject({
      policy: 'WaitForTermination',
      terminating: ['ConfigMap/held'],
      message: 'waiting for 1 objects to terminate (policy WaitForTermination): ConfigMap/held',
    });
    expect(app()?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Deleting',
    });
    await reconcile();
    expect(app()?.metadata.finalizers).toEqual([FINALIZER]);
    // The foreign finalizer goes; a controller that remembers nothing finishes from status.
    await cluster.api().mergePatch(configMaps, 'shop', 'held', { metadata: { finalizers: null } });
    expect(cm('shop', 'held')).toBeUndefined();
    await reconcile(reconciler());
    expect(app()).toBeUndefined();
  });

  it('a refused deletion names the object and the error, keeps the finalizer and is retried', async () => {
    configMap('settings');
    deletedApp('Delete', ['shop/settings']);
    api = {
      ...cluster.api(),
      delete: async () => {
        throw new KubeApiError(403, 'Forbidden', 'configmaps "settings" is forbidden: no delete for you');
      },
    } as unknown as ObjectApi;
    const failure = reconcile();
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toMatchObject({
      reason: 'DeletionFailed',
      message:
        'deleting 1 objects failed: ConfigMap/settings: configmaps "settings" is forbidden: no delete for you',
    });
    expect(app()?.metadata.finalizers).toEqual([FINALIZER]);
    expect(events.list.at(-1)).toMatchObject({ type: 'Warning', reason: 'DeletionFailed' });
  });

  it('in a namespace being deleted, leaves its objects to it and never waits', async () => {
    cluster.put(core.namespaces, {
      metadata: { name: 'shop', deletionTimestamp: '2025-01-02T03:04:00Z', finalizers: ['kubernetes'] },
    });
    cluster.put(core.namespaces, {
      metadata: { name: 'apps', deletionTimestamp: '2025-01-02T03:04:00Z', finalizers: ['kubernetes'] },
    });
    cluster.put(configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: 'shop', finalizers: ['example.com/hold'] },
    });
    configMap('elsewhere', 'other');
    deletedApp('WaitForTermination', ['shop/held', 'other/elsewhere']);
    await reconcile();
    expect(cm('shop', 'held')?.metadata.deletionTimestamp).toBeUndefined();
    expect(cm('other', 'elsewhere')).toBeUndefined();
    expect(app()).toBeUndefined();
  });
});
