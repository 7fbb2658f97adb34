// Charts from Helm repositories on the real control plane: a chart repository on loopback
// behind basic auth (index.yaml by `helm repo index`) and Debian's docker-registry, with
// HelmRepositories reading them and Applications rendering a chart version chosen by range.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { type HelmRepository, helmRepositoryResource } from '../../controller/api/helm-repository.ts';
import { configMaps } from '../support/apps.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, startGitServers } from '../support/git/index.ts';
import { type ChartRepository, startChartRepository } from '../support/helm/chart-repository.ts';
import { configMapTemplate } from '../support/helm/charts.ts';
import { type ChartRegistry, startRegistry } from '../support/helm/registry.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';
import { sluice } from '../support/kubectl-sluice.ts';
import { RolloutDriver } from '../support/rollouts.ts';

const cluster = testCluster();
let ns: string;
let repo: ChartRepository;
let registry: ChartRegistry;
let ctl: ControllerProcess;
let git: GitServers | undefined;

const helmRepository = (name: string, spec: HelmRepository['spec']): HelmRepository => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'HelmRepository',
  metadata: { name, namespace: ns },
  spec,
});

const chartApp = (
  name: string,
  chart: { name: string; version?: string; repository: string },
): Application => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: ns },
  spec: {
    helm: {
      chart: {
        name: chart.name,
        ...(chart.version ? { version: chart.version } : {}),
        sourceRef: { kind: 'HelmRepository', name: chart.repository },
      },
      values: { greeting: `from ${name}` },
    },
    interval: '1m',
    prune: true,
  },
});

const getRepo = (name: string) => cluster.api.get<HelmRepository>(helmRepositoryResource, ns, name);
const getApp = (name: string) => cluster.api.get<Application>(applicationResource, ns, name);
const cmData = async (name: string) =>
  (
    await cluster.api.getOrUndefined<{ metadata: { name: string }; data?: Record<string, string> }>(
      configMaps,
      ns,
      name,
    )
  )?.data;

/** Waits until the Application is Ready having applied a revision of `version`. */
const waitApplied = (name: string, version: string) =>
  eventually(async () => {
    const app = await getApp(name);
    expect(app.status?.lastAppliedRevision ?? '(none)', condition(app, 'Ready')?.message).toMatch(
      new RegExp(`^${version.replaceAll('.', '\\.')}@sha256:[0-9a-f]{64}$`),
    );
    expect(condition(app, 'Ready')?.status).toBe('True');
    return app;
  }, 60_000);

/** Fetches the index of `charts` again at once, as `kubectl sluice reconcile` asks; polling is an hour apart. */
const refreshIndex = () =>
  cluster.kubectl([
    'annotate',
    '--overwrite',
    '-n',
    ns,
    'helmrepository/charts',
    `sluice.dev/reconcile-requested-at=${Date.now()}`,
  ]);

/** Applies an Application of a chart from `charts` and waits for it to apply `version`. */
async function deployChart(name: string, chart: string, version: string): Promise<void> {
  await applyObject(cluster.api, applicationResource, chartApp(name, { name: chart, repository: 'charts' }));
  await waitApplied(name, version);
}

beforeAll(async () => {
  const helm = join(cluster.binDir, 'helm');
  ns = await createNamespace(cluster.api, 'helmrepo');
  repo = await startChartRepository({ helm, username: 'charts', password: 'right-password' });
  registry = await startRegistry({ helm, username: 'oci-user', password: 'oci-password' });
  await repo.publish({ name: 'app', version: '1.0.0', templates: { 'cm.yaml': configMapTemplate('app') } });
  await repo.publish({ name: 'app', version: '2.0.0', templates: { 'cm.yaml': configMapTemplate('app') } });
  await createSecret(cluster.api, ns, 'charts-auth', { username: 'charts', password: 'right-password' });
  await createSecret(cluster.api, ns, 'charts-wrong', { username: 'charts', password: 'wrong-password' });
  await createSecret(cluster.api, ns, 'oci-auth', { username: 'oci-user', password: 'oci-password' });
  ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${await cacheDir()}`],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
  });
}, 120_000);

async function cacheDir(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  return mkdtemp(join(tmpdir(), 'sluice-helmrepo-cache-'));
}

afterAll(async () => {
  await ctl?.stop();
  await git?.stop();
  await repo?.close();
  await registry?.stop();
  if (ns) await deleteNamespace(cluster.api, ns);
});

describe('HelmRepository over HTTP with basic auth', () => {
  it('stalls on a wrong password naming the repository and HTTP 401, and never shows the password', async () => {
    await applyObject(
      cluster.api,
      helmRepositoryResource,
      helmRepository('wrong', { url: repo.url, interval: '1m', secretRef: { name: 'charts-wrong' } }),
    );
    const stalled = await eventually(async () => {
      const r = await getRepo('wrong');
      expect(condition(r, 'Stalled')?.status).toBe('True');
      return r;
    });
    const ready = condition(stalled, 'Ready');
    expect(ready?.reason).toBe('AuthenticationFailed');
    expect(ready?.message).toContain(`HTTP 401 Unauthorized from ${repo.url}/index.yaml`);
    expect(JSON.stringify(stalled.status)).not.toContain('wrong-password');
    expect(ctl.logs.map((l) => JSON.stringify(l)).join('\n')).not.toContain('wrong-password');
  });

  it('renders the highest chart version in range, and moves when a new one is published', async () => {
    await applyObject(
      cluster.api,
      helmRepositoryResource,
      helmRepository('charts', { url: repo.url, interval: '1h', secretRef: { name: 'charts-auth' } }),
    );
    const ready = await eventually(async () => {
      const r = await getRepo('charts');
      expect(condition(r, 'Ready')?.status, condition(r, 'Ready')?.message).toBe('True');
      return r;
    });
    expect(ready.status?.artifact?.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    await applyObject(
      cluster.api,
      applicationResource,
      chartApp('web', { name: 'app', version: '1.x', repository: 'charts' }),
    );
    await waitApplied('web', '1.0.0');
    expect(await cmData('app')).toEqual({ chartVersion: '1.0.0', greeting: 'from web' });

    await repo.publish({ name: 'app', version: '1.1.0', templates: { 'cm.yaml': configMapTemplate('app') } });
    await refreshIndex();
    const moved = await waitApplied('web', '1.1.0');
    expect(await cmData('app')).toEqual({ chartVersion: '1.1.0', greeting: 'from web' });
    expect(moved.status?.history?.map((h) => h.revision.split('@')[0])).toEqual(['1.1.0', '1.0.0']);

    // kubectl sluice diff pulls the same chart version through the same HelmRepository.
    const synced = await sluice(cluster, ['diff', 'app', 'web', '-n', ns]);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    expect(synced.stderr).toMatch(/1\.1\.0@sha256:[0-9a-f]{64}: no differences \(1 object\)\n$/);
    await cluster.api.mergePatch(applicationResource, ns, 'web', {
      spec: { suspend: true, helm: { values: { greeting: 'from diff' } } },
    });
    const changed = await sluice(cluster, ['diff', 'app', 'web', '-n', ns]);
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toContain('+  greeting: from diff\n');
    await cluster.api.mergePatch(applicationResource, ns, 'web', {
      spec: { suspend: false, helm: { values: { greeting: 'from web' } } },
    });
  });

  it('builds a dependency from the HelmRepository whose URL it names', async () => {
    await repo.publish({ name: 'lib', version: '0.3.0', templates: { 'cm.yaml': configMapTemplate('lib') } });
    await repo.publish({
      name: 'parent',
      version: '3.0.0',
      templates: { 'cm.yaml': configMapTemplate('parent') },
      dependencies: [{ name: 'lib', version: '0.x', repository: repo.url }],
    });
    await refreshIndex();
    await deployChart('parent', 'parent', '3.0.0');
    expect((await cmData('parent'))?.chartVersion).toBe('3.0.0');
    expect((await cmData('lib'))?.chartVersion).toBe('0.3.0');
  });

  it('stalls naming a dependency whose URL no HelmRepository has', async () => {
    await repo.publish({
      name: 'orphan',
      version: '1.0.0',
      templates: { 'cm.yaml': configMapTemplate('orphan') },
      dependencies: [{ name: 'lib', version: '0.x', repository: 'https://charts.example.invalid/stable' }],
    });
    await refreshIndex();
    await applyObject(
      cluster.api,
      applicationResource,
      chartApp('orphan', { name: 'orphan', repository: 'charts' }),
    );
    const app = await eventually(async () => {
      const a = await getApp('orphan');
      expect(condition(a, 'Stalled')?.status).toBe('True');
      return a;
    }, 60_000);
    expect(condition(app, 'Ready')?.reason).toBe('DependencyNotResolved');
    expect(condition(app, 'Ready')?.message).toContain(
      `dependency "lib" (repository "https://charts.example.invalid/stable"): no HelmRepository in namespace ${ns} has this URL`,
    );
    expect(await cmData('orphan')).toBeUndefined();
  });
});

describe('an upgrade of a chart holding a canary Rollout', () => {
  const rollout = `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: app
          image: "example.invalid/shop:{{ .Chart.Version }}"
  strategy:
    canary:
      steps: [{setWeight: 50}, {pause: {}}]
`;

  it('applies 1.1.0 and the Rollout runs its canary steps to the new version', async () => {
    const ro = new RolloutDriver(cluster, ns);
    await repo.publish({ name: 'shop', version: '1.0.0', templates: { 'rollout.yaml': rollout } });
    await refreshIndex();
    await deployChart('shop', 'shop', '1.0.0');
    const v1 = await ro.waitFor('shop', (r) => expect(r.status?.phase).toBe('Healthy'));

    await repo.publish({ name: 'shop', version: '1.1.0', templates: { 'rollout.yaml': rollout } });
    await refreshIndex();
    await waitApplied('shop', '1.1.0');
    const paused = await ro.waitFor('shop', (r) => {
      expect(r.status?.phase).toBe('Paused');
      expect(r.status?.currentStepIndex).toBe(1);
    });
    expect(JSON.stringify(paused.spec.template)).toContain('example.invalid/shop:1.1.0');
    expect(paused.status?.stableRS).toBe(v1.status?.stableRS);
    expect(paused.status?.currentPodHash).not.toBe(v1.status?.stableRS);

    await ro.promote('shop');
    const done = await ro.waitFor('shop', (r) => {
      expect(r.status?.phase).toBe('Healthy');
      expect(r.status?.stableRS).toBe(paused.status?.currentPodHash);
    });
    expect(done.status?.currentStepIndex).toBe(2);
  });
});

describe('a chart in git', () => {
  it('has its dependencies that are not vendored built from the HelmRepository with their URL', async () => {
    git = await startGitServers();
    const served = await git.createRepo('charts.git');
    const work = await git.workTree(served);
    const sha = await work.commitAndPush(
      {
        'charts/site/Chart.yaml': `apiVersion: v2\nname: site\nversion: 0.1.0\ndependencies:\n  - name: lib\n    version: 0.x\n    repository: ${repo.url}\n`,
        'charts/site/templates/cm.yaml': configMapTemplate('git-site'),
      },
      'a chart with a dependency',
      served.remote('git'),
    );
    await applyObject(cluster.api, gitRepositoryResource, gitRepository(ns, 'git', { url: served.urls.git }));
    const site: Application = {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'git-site', namespace: ns },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'git' },
        path: 'charts/site',
        interval: '1m',
        prune: true,
      },
    };
    await applyObject(cluster.api, applicationResource, site);
    await eventually(async () => {
      const app = await getApp('git-site');
      expect(app.status?.lastAppliedRevision, condition(app, 'Ready')?.message).toBe(`main@sha1:${sha}`);
    }, 60_000);
    expect((await cmData('git-site'))?.chartVersion).toBe('0.1.0');
    // lib 0.3.0, from the chart repository behind basic auth, with HelmRepository charts' Secret.
    expect((await cmData('lib'))?.chartVersion).toBe('0.3.0');
  });
});

describe('HelmRepository of type oci', () => {
  it('resolves a tag by range and builds a dependency from the registry', async () => {
    await registry.publish({
      name: 'base',
      version: '0.1.0',
      templates: { 'cm.yaml': configMapTemplate('oci-base') },
    });
    for (const version of ['4.0.0', '4.2.0', '5.0.0']) {
      await registry.publish({
        name: 'site',
        version,
        templates: { 'cm.yaml': configMapTemplate('oci-site') },
        dependencies: [{ name: 'base', version: '0.x', repository: registry.url }],
      });
    }
    await applyObject(
      cluster.api,
      helmRepositoryResource,
      helmRepository('oci', {
        url: registry.url,
        type: 'oci',
        insecure: true,
        interval: '1h',
        secretRef: { name: 'oci-auth' },
      }),
    );
    await eventually(async () => {
      const r = await getRepo('oci');
      expect(condition(r, 'Ready')?.status, condition(r, 'Ready')?.message).toBe('True');
    });
    await applyObject(
      cluster.api,
      applicationResource,
      chartApp('site', { name: 'site', version: '^4.0.0', repository: 'oci' }),
    );
    await waitApplied('site', '4.2.0');
    expect(await cmData('oci-site')).toEqual({ chartVersion: '4.2.0', greeting: 'from site' });
    expect((await cmData('oci-base'))?.chartVersion).toBe('0.1.0');
  });
});
