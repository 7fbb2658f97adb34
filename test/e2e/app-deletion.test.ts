// Deleting Applications and GitRepositories on a real control plane: each deletionPolicy,
// objects annotated to stay, a controller SIGKILLed half-way through a deletion, an
// Application whose namespace is deleted, and a GitRepository's git cache.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { FINALIZER } from '../../controller/runtime/finalizers.ts';
import { GitCache } from '../../controller/sources/git/git-cache.ts';
import { appSuite, configMapYaml as cm, configMaps, webRolloutYaml } from '../support/apps.ts';
import { createNamespace, deleteNamespace, eventually } from '../support/cluster.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';

const HOLD = 'example.com/hold';
/** A ConfigMap a foreign finalizer keeps Terminating until the test releases it. */
const held = (name: string, wave = 0) =>
  cm(
    name,
    { v: '1' },
    `  finalizers: [${HOLD}]\n  annotations:\n    argocd.argoproj.io/sync-wave: "${wave}"\n`,
  );

const suite = appSuite('app-deletion', {
  files: {
    'mirror/a.yaml': cm('mirror-a', { v: '1' }),
    'mirror/keep-argo.yaml': cm(
      'mirror-keep-argo',
      { v: '1' },
      '  annotations:\n    argocd.argoproj.io/sync-options: Delete=false\n',
    ),
    'mirror/keep-flux.yaml': cm(
      'mirror-keep-flux',
      { v: '1' },
      '  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n',
    ),
    'noprune/a.yaml': cm('noprune-a', { v: '1' }),
    'orphan/a.yaml': cm('orphan-a', { v: '1' }),
    'delete/a.yaml': cm('delete-a', { v: '1' }),
    'delete/rollout.yaml': webRolloutYaml(),
    'refused/a.yaml': cm('refused-a', { v: '1' }),
    'wait/low.yaml': cm('wait-low', { v: '1' }),
    'wait/held.yaml': held('wait-held', 1),
  },
  interval: '1h',
});
const { cluster, application, getApp } = suite;
let other = '';

afterAll(async () => {
  if (other) await deleteNamespace(cluster.api, other);
});

const replicaSets = core.replicaSets;
const rollouts = {
  group: 'sluice.dev',
  version: 'v1alpha1',
  kind: 'Rollout',
  plural: 'rollouts',
  namespaced: true,
};
const cmIn = (name: string, namespace = suite.ns) =>
  cluster.api.getOrUndefined<KubeObject>(configMaps, namespace, name);
const appOrUndefined = (name: string) =>
  cluster.api.getOrUndefined<Application>(applicationResource, suite.ns, name);

async function events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
  const list = await cluster.api.list<KubeObject>(core.events, suite.ns);
  return list.items
    .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
    .map((e) => ({ reason: String(e.reason), note: String(e.note), type: String(e.type) }));
}

/** Creates the Application and waits until it applied the head of the repository. */
async function deployed(name: string, spec: Partial<Application['spec']>): Promise<Application> {
  await applyObject(cluster.api, applicationResource, application(name, spec));
  return suite.waitApplied(name, await suite.work.head());
}

const deleteApp = (name: string) =>
  cluster.kubectl(['delete', '-n', suite.ns, `application/${name}`, '--wait=false']);

const gone = (name: string, timeoutMs = 60_000) =>
  eventually(async () => {
    expect(await appOrUndefined(name)).toBeUndefined();
  }, timeoutMs);

const release = (name: string, namespace = suite.ns) =>
  cluster.kubectl([
    'patch',
    'configmap',
    name,
    '-n',
    namespace,
    '--type=merge',
    '-p',
    '{"metadata":{"finalizers":null}}',
  ]);

describe('deleting an Application', () => {
  it('MirrorPrune (the default) with prune on deletes what it applied, but what is annotated to stay', async () => {
    const app = await deployed('mirror', { path: 'mirror' });
    expect(app.metadata.finalizers).toEqual([FINALIZER]);
    await deleteApp('mirror');
    await gone('mirror');
    expect(await cmIn('mirror-a')).toBeUndefined();
    expect(await cmIn('mirror-keep-argo')).toBeDefined();
    expect(await cmIn('mirror-keep-flux')).toBeDefined();
    const notes = (await events('mirror')).map((e) => e.note);
    expect(notes).toEqual(
      expect.arrayContaining([
        'kept ConfigMap/mirror-keep-argo: Delete=false',
        'kept ConfigMap/mirror-keep-flux: kustomize.toolkit.fluxcd.io/prune: disabled',
        'deleting 1 objects (policy MirrorPrune)',
        'deleted 1 objects, kept 2 (policy MirrorPrune)',
      ]),
    );
  });

  it('MirrorPrune with prune off, and Orphan, leave everything in place', async () => {
    await deployed('noprune', { path: 'noprune', prune: false });
    await deployed('orphan', { path: 'orphan', deletionPolicy: 'Orphan' });
    await deleteApp('noprune');
    await deleteApp('orphan');
    await gone('noprune');
    await gone('orphan');
    expect(await cmIn('noprune-a')).toBeDefined();
    expect(await cmIn('orphan-a')).toBeDefined();
    expect((await events('noprune')).map((e) => e.note)).toContain(
      'orphaning 1 objects (policy MirrorPrune, prune off)',
    );
    expect((await events('orphan')).map((e) => e.note)).toContain('orphaning 1 objects (policy Orphan)');
  });

  it('Delete deletes even with prune off; a Rollout goes with its ReplicaSets', async () => {
    await deployed('delete', { path: 'delete', prune: false, deletionPolicy: 'Delete' });
    const owned = async () =>
      (await cluster.api.list<KubeObject>(replicaSets, suite.ns)).items.filter((rs) =>
        rs.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === 'web'),
      );
    await eventually(async () => expect((await owned()).length).toBeGreaterThan(0), 60_000);
    await deleteApp('delete');
    await gone('delete');
    expect(await cmIn('delete-a')).toBeUndefined();
    expect(await cluster.api.getOrUndefined(rollouts, suite.ns, 'web')).toBeUndefined();
    // The garbage collector takes the Rollout's ReplicaSets: their owner references say so.
    await eventually(async () => expect(await owned()).toEqual([]), 60_000);
    expect((await events('delete')).map((e) => e.note)).toContain('deleting 2 objects (policy Delete)');
  });

  it('a deletion the API server refuses is named with its error and retried, and the finalizer stays until it succeeds', async () => {
    // An applier that may write ConfigMaps but not delete them.
    const rbac = (args: string[]) => cluster.kubectl(['create', '-n', suite.ns, ...args]);
    await rbac(['serviceaccount', 'no-delete']);
    await rbac(['role', 'no-delete', '--verb=get,list,watch,create,update,patch', '--resource=configmaps']);
    await rbac(['rolebinding', 'no-delete', '--role=no-delete', `--serviceaccount=${suite.ns}:no-delete`]);
    await deployed('refused', { path: 'refused', serviceAccountName: 'no-delete', deletionPolicy: 'Delete' });
    await deleteApp('refused');
    const warning = await eventually(async () => {
      const found = (await events('refused')).find((e) => e.reason === 'DeletionFailed');
      expect(found).toBeDefined();
      return found;
    });
    expect(warning?.type).toBe('Warning');
    expect(warning?.note).toContain('deleting 1 objects failed: ConfigMap/refused-a: ');
    expect(warning?.note).toContain('forbidden');
    const app = await getApp('refused');
    expect(app.metadata.finalizers).toEqual([FINALIZER]);
    expect(condition(app, 'Ready')).toMatchObject({ status: 'False', reason: 'DeletionFailed' });
    expect(await cmIn('refused-a')).toBeDefined();

    await rbac(['role', 'may-delete', '--verb=delete', '--resource=configmaps']);
    await rbac(['rolebinding', 'may-delete', '--role=may-delete', `--serviceaccount=${suite.ns}:no-delete`]);
    await gone('refused', 90_000);
    expect(await cmIn('refused-a')).toBeUndefined();
  });

  it('WaitForTermination deletes wave by wave, waits for what terminates, and a SIGKILLed controller finishes after its restart', async () => {
    await deployed('wait', { path: 'wait', deletionPolicy: 'WaitForTermination' });
    await deleteApp('wait');
    // Wave 1 first: the held ConfigMap terminates; wave 0 waits for it.
    const waiting = await eventually(async () => {
      const app = await getApp('wait');
      expect(app.status?.deletion?.terminating).toEqual(['ConfigMap/wait-held']);
      return app;
    });
    expect(condition(waiting, 'Ready')).toMatchObject({ status: 'False', reason: 'Deleting' });
    expect(waiting.status?.deletion?.message).toBe(
      'waiting for 1 objects to terminate (policy WaitForTermination): ConfigMap/wait-held',
    );
    expect((await cmIn('wait-low'))?.metadata.deletionTimestamp).toBeUndefined();
    expect((await events('wait')).map((e) => e.note)).toContain(waiting.status?.deletion?.message);

    await suite.restartController('SIGKILL');
    // The new controller knows nothing but what status says: it takes the deletion up and
    // still waits.
    await suite.ctl.waitForLog((l) => l.name === 'wait' && l.msg === 'deletion: waiting', 60_000);
    expect(await appOrUndefined('wait')).toBeDefined();
    expect((await cmIn('wait-low'))?.metadata.deletionTimestamp).toBeUndefined();

    await release('wait-held');
    await gone('wait');
    expect(await cmIn('wait-held')).toBeUndefined();
    expect(await cmIn('wait-low')).toBeUndefined();
  });
});

describe('deleting a GitRepository', () => {
  it('removes its clone from the git cache', async () => {
    const extra = await suite.git.createRepo('extra.git');
    const work = await suite.git.workTree(extra);
    await work.commitAndPush({ 'a.yaml': cm('extra', { v: '1' }) }, 'initial', extra.remote('git'));
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(suite.ns, 'extra', { url: extra.urls.git }),
    );
    const ready = await eventually(async () => {
      const repo = await cluster.api.get<GitRepository>(gitRepositoryResource, suite.ns, 'extra');
      expect(condition(repo, 'Ready')?.status).toBe('True');
      return repo;
    }, 60_000);
    expect(ready.metadata.finalizers).toEqual([FINALIZER]);
    const cache = new GitCache(join(suite.git.rootDir, 'cache'));
    const clone = cache.repoPath(extra.urls.git);
    const artifact = cache.artifactPath(await work.head());
    expect(existsSync(clone)).toBe(true);
    expect(existsSync(artifact)).toBe(true);
    await cluster.kubectl(['delete', '-n', suite.ns, 'gitrepository/extra', '--wait=false']);
    await eventually(async () => {
      expect(await cluster.api.getOrUndefined(gitRepositoryResource, suite.ns, 'extra')).toBeUndefined();
    }, 60_000);
    expect(existsSync(clone)).toBe(false);
    expect(existsSync(artifact)).toBe(false);
    // The suite's own repository, read by other URLs' Applications, keeps its clone.
    expect(existsSync(cache.repoPath(suite.repo.urls.git))).toBe(true);
  });
});

describe('an Application in a namespace being deleted', () => {
  it('deletes what it has elsewhere, never waits for what the namespace takes, and the namespace goes', async () => {
    other = await createNamespace(cluster.api, 'app-deletion-other');
    const sha = await suite.push(
      {
        'dying/local.yaml': held('dying-local'),
        'dying/remote.yaml': cm('dying-remote', { v: '1' }, `  namespace: ${other}\n`),
      },
      'an app with an object in another namespace',
    );
    await applyObject(
      cluster.api,
      applicationResource,
      application('dying', { path: 'dying', deletionPolicy: 'WaitForTermination' }),
    );
    await suite.waitApplied('dying', sha);
    expect(await cmIn('dying-remote', other)).toBeDefined();
    await cluster.api.delete(core.namespaces, undefined, suite.ns);
    // WaitForTermination, yet the Application lets go while its own ConfigMap, held by a
    // foreign finalizer, is still there: that one is the namespace's to delete, not the
    // Application's to wait for.
    await gone('dying', 90_000);
    expect(await cmIn('dying-local')).toBeDefined();
    await eventually(async () => expect(await cmIn('dying-remote', other)).toBeUndefined(), 30_000);
    await release('dying-local');
    await eventually(async () => {
      expect(await cluster.api.getOrUndefined(core.namespaces, undefined, suite.ns)).toBeUndefined();
    }, 120_000);
  });
});
