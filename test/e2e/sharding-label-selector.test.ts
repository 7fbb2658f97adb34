// Static sharding with --watch-label-selector, as Flux does it: a main controller takes what
// has no sharding.fluxcd.io/key label, a shard takes what is labelled with its key. Both run
// in one namespace with leader election, each with its own Lease, and each reconciles only
// its own Applications and Rollouts; an object whose label changes moves to the other one.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';
import { RolloutDriver, template } from '../support/rollouts.ts';

const KEY = 'sharding.fluxcd.io/key';
const shardLabel = { [KEY]: 'shard1' };

const suite = appSuite('sharding', {
  files: {
    'main/cm.yaml': cm('main-cm', { owner: 'main' }),
    'one/cm.yaml': cm('one-cm', { owner: 'shard1' }),
    'moved/cm.yaml': cm('moved-cm', { owner: 'main' }),
  },
  controllerArgs: [`--watch-label-selector=!${KEY}`, '--leader-elect'],
  controllerEnv: (ns) => ({ POD_NAME: 'sluice-main', POD_NAMESPACE: ns }),
});
const { cluster, getApp } = suite;
let shard1: ControllerProcess;
let ro: RolloutDriver;

/** Names of the objects of `kind` a controller's log says it reconciled. */
const reconciled = (ctl: ControllerProcess, kind: string) =>
  new Set(ctl.logs.filter((l) => l.kind === kind && typeof l.name === 'string').map((l) => l.name as string));

/** Which controller instances wrote Events about an object. */
async function reporters(kind: string, name: string): Promise<string[]> {
  const events = await cluster.api.list<KubeObject & Record<string, unknown>>(core.events, suite.ns);
  const about = events.items.filter(
    (e) =>
      (e.regarding as { kind?: string; name?: string } | undefined)?.kind === kind &&
      (e.regarding as { name?: string }).name === name,
  );
  return [...new Set(about.map((e) => String(e.reportingInstance)))].sort();
}

const application = (
  name: string,
  path: string,
  repo: string,
  labels?: Record<string, string>,
): Application => {
  const app = suite.application(name, { path, sourceRef: { kind: 'GitRepository', name: repo } });
  return { ...app, metadata: { ...app.metadata, ...(labels ? { labels } : {}) } };
};

const waitReady = (name: string, path: string) =>
  eventually(async () => {
    const app = await getApp(name);
    expect(condition(app, 'Ready')?.status, condition(app, 'Ready')?.message).toBe('True');
    expect(app.status?.inventory?.entries?.map((e) => e.id)).toEqual([`${suite.ns}_${path}-cm__ConfigMap`]);
    return app;
  }, 60_000);

beforeAll(async () => {
  shard1 = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: suite.ns,
    args: [
      `--cache-dir=${suite.git.rootDir}/cache-shard1`,
      `--watch-label-selector=${KEY}=shard1`,
      '--leader-elect',
    ],
    env: {
      PATH: `${cluster.binDir}:${process.env.PATH}`,
      POD_NAME: 'sluice-shard1',
      POD_NAMESPACE: suite.ns,
    },
  });
  // The shard's sources carry its label too: GitRepository `repo` (no label) is the main one's.
  const repo = gitRepository(suite.ns, 'repo-shard1', { url: suite.repo.urls.git });
  repo.metadata.labels = shardLabel;
  await applyObject(cluster.api, gitRepositoryResource, repo);
  ro = new RolloutDriver(cluster, suite.ns);
  await Promise.all([
    suite.ctl.waitForLog((l) => l.msg === 'caches synced'),
    shard1.waitForLog((l) => l.msg === 'caches synced'),
  ]);
  return async () => {
    await shard1?.stop();
  };
});

describe('--watch-label-selector', () => {
  it('gives each controller only the Applications its selector matches, each leading its own Lease', async () => {
    await applyObject(cluster.api, applicationResource, application('main-app', 'main', 'repo'));
    await applyObject(
      cluster.api,
      applicationResource,
      application('one-app', 'one', 'repo-shard1', shardLabel),
    );
    await waitReady('main-app', 'main');
    await waitReady('one-app', 'one');
    expect(await suite.cmData('main-cm')).toEqual({ owner: 'main' });
    expect(await suite.cmData('one-cm')).toEqual({ owner: 'shard1' });

    expect(reconciled(suite.ctl, 'Application')).toEqual(new Set(['main-app']));
    expect(reconciled(shard1, 'Application')).toEqual(new Set(['one-app']));
    expect(reconciled(suite.ctl, 'GitRepository')).toEqual(new Set(['repo']));
    expect(reconciled(shard1, 'GitRepository')).toEqual(new Set(['repo-shard1']));
    // Events are written in the background: wait for both, then each has one reporter only.
    await eventually(async () => {
      expect(await reporters('Application', 'main-app')).toEqual(['sluice-main']);
      expect(await reporters('Application', 'one-app')).toEqual(['sluice-shard1']);
    });
    const leases = await cluster.api.list<KubeObject & { spec?: { holderIdentity?: string } }>(
      { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
      suite.ns,
    );
    expect(leases.items.map((l) => l.spec?.holderIdentity).sort()).toEqual(['sluice-main', 'sluice-shard1']);
  });

  it('gives each controller only its Rollouts', async () => {
    for (const [name, labels] of [
      ['ro-main', {}],
      ['ro-one', shardLabel],
    ] as const) {
      await cluster.api.create<Rollout>(rolloutResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Rollout',
        metadata: { name, namespace: suite.ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: template(name, `example.invalid/${name}:1`),
          strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: 1 } }] } },
        },
      });
    }
    for (const name of ['ro-main', 'ro-one'])
      await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Healthy'));
    expect(reconciled(suite.ctl, 'Rollout')).toEqual(new Set(['ro-main']));
    expect(reconciled(shard1, 'Rollout')).toEqual(new Set(['ro-one']));
  });

  it('moves an object whose label changes to the other controller', async () => {
    // Off the shard: the main controller applies the Application's new path from now on.
    const shardLines = shard1.logs.length;
    await cluster.kubectl(['label', '-n', suite.ns, 'application/one-app', `${KEY}-`]);
    await cluster.api.mergePatch(applicationResource, suite.ns, 'one-app', {
      spec: { path: 'moved', sourceRef: { kind: 'GitRepository', name: 'repo' } },
    });
    await waitReady('one-app', 'moved');
    expect(await suite.cmData('moved-cm')).toEqual({ owner: 'main' });
    expect(reconciled(suite.ctl, 'Application')).toContain('one-app');
    // The shard saw the Application leave before its new spec, and did nothing more with it.
    expect(shard1.logs.slice(shardLines).filter((l) => l.name === 'one-app')).toEqual([]);

    // Onto the shard: its new image is rolled out by the shard alone.
    await cluster.kubectl(['label', '-n', suite.ns, 'rollout/ro-main', `${KEY}=shard1`]);
    await eventually(async () => expect(reconciled(shard1, 'Rollout')).toContain('ro-main'), 30_000);
    const before = (await ro.get('ro-main')).status?.stableRS;
    const mainLines = suite.ctl.logs.length;
    await ro.setImage('ro-main', 'example.invalid/ro-main:2');
    const moved = await ro.waitFor('ro-main', (r) => {
      expect(r.status?.phase).toBe('Healthy');
      expect(r.status?.stableRS).not.toBe(before);
    });
    expect(moved.status?.currentPodHash).toBe(moved.status?.stableRS);
    expect(suite.ctl.logs.slice(mainLines).filter((l) => l.name === 'ro-main')).toEqual([]);
  });
});
