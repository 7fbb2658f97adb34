// Argo CD sync phases, hooks and waves on the real control plane.
//
// Under kwok a Job's pod completes on its own: the `pod-complete` stage (see
// test/control-plane/build.sh) moves a Running pod owned by a Job to Succeeded, and the real
// job controller then marks the Job Complete. So:
// - a hook that should wait for the test is a Job with `spec.suspend: true` (no pod at all)
//   which the test resumes;
// - a hook that should fail is a Job whose pod cannot be scheduled (a nodeSelector no node
//   matches) with `activeDeadlineSeconds: 1`: the job controller fails it with
//   DeadlineExceeded, no kwok stage needed;
// - a wave that should stay unhealthy is a Deployment selecting nodes by a label the test
//   puts on a kwok node when the wave may go on.

import { beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource, type HookStatus } from '../../controller/api/application.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { startController } from '../support/controller-process.ts';
import { applyObject, condition } from '../support/kinds.ts';

const jobs: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
};

/** A hook Job; `spec` lines go under `spec:` (suspend, activeDeadlineSeconds...). */
function hookJob(opts: {
  name?: string;
  generateName?: string;
  hook: string;
  deletePolicy?: string;
  spec?: string;
  podSpec?: string;
}): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  ${opts.name ? `name: ${opts.name}` : `generateName: ${opts.generateName}`}
  annotations:
    argocd.argoproj.io/hook: ${opts.hook}
${opts.deletePolicy ? `    argocd.argoproj.io/hook-delete-policy: ${opts.deletePolicy}\n` : ''}spec:
  backoffLimit: 0
${opts.spec ?? ''}  template:
    spec:
      restartPolicy: Never
${opts.podSpec ?? ''}      containers: [{name: run, image: example.invalid/hook:1}]
`;
}

const gatedDeployment = (name: string, label: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/sync-wave: "0"
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      nodeSelector: {${label}: open}
      containers: [{name: app, image: example.invalid/${name}:1}]
`;

const WAVE_LABEL = 'e2e.sluice.dev/hooks-wave';

const suite = appSuite('hooks', {
  files: {
    'presync/migrate.yaml': hookJob({ generateName: 'migrate-', hook: 'PreSync', spec: '  suspend: true\n' }),
    'presync/config.yaml': cm('presync-app', { v: '1' }),
    'presync/smoke.yaml': hookJob({ name: 'smoke', hook: 'PostSync', deletePolicy: 'HookSucceeded' }),
    'presync/skipped.yaml': cm('skipped', { a: '1' }, '  annotations:\n    argocd.argoproj.io/hook: Skip\n'),
    'failing/migrate.yaml': hookJob({
      generateName: 'fail-migrate-',
      hook: 'PreSync',
      deletePolicy: 'HookFailed',
      spec: '  activeDeadlineSeconds: 1\n',
      podSpec: '      nodeSelector: {e2e.sluice.dev/no-such-node: "true"}\n',
    }),
    'failing/cleanup.yaml': hookJob({ name: 'cleanup', hook: 'SyncFail' }),
    'failing/config.yaml': cm('failing-app', { v: '1' }),
    'mapped/helm-migrate.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: helm-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-1"
    helm.sh/hook-delete-policy: hook-succeeded
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: run, image: example.invalid/hook:1}]
`,
    'mapped/helm-test.yaml': cm('helm-test', { a: '1' }, '  annotations:\n    helm.sh/hook: test\n'),
    'mapped/sync-hook.yaml': hookJob({ generateName: 'during-', hook: 'Sync' }),
    'mapped/config.yaml': cm('mapped-app', { v: '1' }),
    'restart/migrate.yaml': hookJob({
      generateName: 'restart-migrate-',
      hook: 'PreSync',
      spec: '  suspend: true\n',
    }),
    'restart/config.yaml': cm('restart-app', { v: '1' }),
    'waves/first.yaml': cm(
      'wave-first',
      { a: '1' },
      '  annotations:\n    argocd.argoproj.io/sync-wave: "-1"\n',
    ),
    'waves/web.yaml': gatedDeployment('wave-web', WAVE_LABEL),
    'waves/after.yaml': cm(
      'wave-after',
      { a: '1' },
      '  annotations:\n    argocd.argoproj.io/sync-wave: "1"\n',
    ),
  },
});
const { cluster, application, getApp, waitApplied, cmData } = suite;
let ns: string;
beforeAll(() => {
  ns = suite.ns;
});

const hooksOf = (app: Application): HookStatus[] => app.status?.operation?.hooks ?? [];
const appJobs = async (app: string) =>
  (await cluster.api.list<KubeObject>(jobs, ns, { labelSelector: `sluice.dev/app-name=${app}` })).items.map(
    (j) => j.metadata.name,
  );
const job = (name: string) => cluster.api.getOrUndefined<KubeObject>(jobs, ns, name);
const resume = (name: string) =>
  cluster.kubectl(['patch', 'job', name, '-n', ns, '--type=merge', '-p', '{"spec":{"suspend":false}}']);

async function events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
  const list = await cluster.api.list<KubeObject>(core.events, ns);
  return list.items
    .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
    .map((e) => ({ reason: String(e.reason), note: String(e.note), type: String(e.type) }));
}

/** Waits until the Application's sync waits on a PreSync hook, and returns that hook. */
async function waitingPreSync(name: string, revision: string): Promise<HookStatus> {
  return eventually(async () => {
    const app = await getApp(name);
    expect(app.status?.operation?.revision).toBe(revision);
    const hook = hooksOf(app).find((h) => h.key.startsWith('PreSync/') && h.step !== '');
    expect(hook?.state).toBe('Running');
    expect(condition(app, 'Ready')?.message).toContain(`waiting for PreSync hook Job ${ns}/${hook?.name}`);
    return hook as HookStatus;
  }, 45_000);
}

describe('sync hooks and waves', () => {
  it('runs a PreSync Job with generateName before the app, a PostSync hook after, and skips Skip', async () => {
    await applyObject(
      cluster.api,
      applicationResource,
      application('presync', { path: 'presync', timeout: '5m' }),
    );
    const head = await suite.work.head();
    const migrate = await waitingPreSync('presync', `main@sha1:${head}`);
    expect(migrate.name).toMatch(/^migrate-[a-z0-9]{5}$/);
    // While the hook runs, nothing else of the app is there.
    expect(await cmData('presync-app')).toBeUndefined();
    expect(await job('smoke')).toBeUndefined();

    await resume(migrate.name);
    const app = await waitApplied('presync', head);
    expect(await cmData('presync-app')).toEqual({ v: '1' });
    expect(await cmData('skipped')).toBeUndefined();
    // Hooks are not app objects: not in the inventory, so never pruned as such.
    expect(app.status?.inventory?.entries?.map((e) => e.id)).toEqual([`${ns}_presync-app__ConfigMap`]);
    expect(app.status?.operation?.phase).toBe('Succeeded');
    const hooks = hooksOf(app).map((h) => ({ key: h.key, state: h.state, deleted: h.deleted === true }));
    expect(hooks).toEqual([
      { key: `PreSync/${ns}_migrate-_batch_Job`, state: 'Succeeded', deleted: false },
      { key: `PostSync/${ns}_smoke_batch_Job`, state: 'Succeeded', deleted: true },
    ]);
    // HookSucceeded: the PostSync Job is deleted once it completed; the PreSync one stays
    // until the next sync creates it again (BeforeHookCreation, the default).
    expect(await job('smoke')).toBeUndefined();
    expect(await job(migrate.name)).toBeDefined();
  });

  it('deletes the last instance of a BeforeHookCreation hook before creating the next', async () => {
    const before = hooksOf(await getApp('presync')).find((h) => h.key.startsWith('PreSync/')) as HookStatus;
    const sha = await suite.push({ 'presync/config.yaml': cm('presync-app', { v: '2' }) }, 'presync v2');
    const migrate = await waitingPreSync('presync', `main@sha1:${sha}`);
    expect(migrate.name).not.toBe(before.name);
    expect(await job(before.name)).toBeUndefined();
    expect(await cmData('presync-app')).toEqual({ v: '1' });
    await resume(migrate.name);
    await waitApplied('presync', sha);
    expect(await cmData('presync-app')).toEqual({ v: '2' });
  });

  it('stops at a failed PreSync hook: runs SyncFail hooks, applies nothing else, names the hook', async () => {
    await applyObject(
      cluster.api,
      applicationResource,
      application('failing', { path: 'failing', timeout: '5m' }),
    );
    const app = await eventually(async () => {
      const a = await getApp('failing');
      expect(condition(a, 'Ready')?.reason, condition(a, 'Ready')?.message).toBe('HookFailed');
      return a;
    }, 60_000);
    const failed = hooksOf(app).find((h) => h.key.startsWith('PreSync/')) as HookStatus;
    expect(failed.name).toMatch(/^fail-migrate-/);
    const ready = condition(app, 'Ready');
    expect(ready?.status).toBe('False');
    expect(ready?.message).toContain(`PreSync hook Job ${ns}/${failed.name} failed: `);
    expect(ready?.message).toMatch(/deadline/i);
    expect(condition(app, 'Stalled')?.status).toBe('True');
    expect(app.status?.syncStatus).toBe('OutOfSync');
    expect(app.status?.operation?.phase).toBe('Failed');
    expect(hooksOf(app).map((h) => ({ key: h.key, state: h.state }))).toEqual([
      { key: `PreSync/${ns}_fail-migrate-_batch_Job`, state: 'Failed' },
      { key: `SyncFail/${ns}_cleanup_batch_Job`, state: 'Succeeded' },
    ]);
    expect(await job('cleanup')).toBeDefined();
    // HookFailed: the failed hook's Job is deleted.
    await eventually(async () => expect(await job(failed.name)).toBeUndefined(), 30_000);
    expect(await cmData('failing-app')).toBeUndefined();
    expect(app.status?.inventory?.entries ?? []).toEqual([]);
    const warnings = await eventually(async () => {
      const list = (await events('failing')).filter((e) => e.type === 'Warning' && e.reason === 'HookFailed');
      expect(list.length).toBeGreaterThan(0);
      return list;
    });
    expect(warnings[0]?.note).toContain(failed.name);
  });

  it('starts a wave once the previous wave is healthy', async () => {
    await applyObject(
      cluster.api,
      applicationResource,
      application('waves', { path: 'waves', timeout: '5m' }),
    );
    await eventually(async () => {
      const a = await getApp('waves');
      expect(condition(a, 'Ready')?.message).toContain('waiting for wave 0 to be healthy: Deployment');
    }, 45_000);
    // Wave -1 went first; wave 1 waits for the Deployment of wave 0.
    expect(await cmData('wave-first')).toEqual({ a: '1' });
    expect(await cmData('wave-after')).toBeUndefined();

    const node = (await cluster.kubectl(['get', 'nodes', '-o', 'name'])).split('\n')[0] as string;
    await cluster.kubectl(['label', node, `${WAVE_LABEL}=open`, '--overwrite']);
    const app = await waitApplied('waves', await suite.work.head());
    expect(await cmData('wave-after')).toEqual({ a: '1' });
    expect(app.status?.inventory?.entries?.map((e) => e.id).sort()).toEqual([
      `${ns}_wave-after__ConfigMap`,
      `${ns}_wave-first__ConfigMap`,
      `${ns}_wave-web_apps_Deployment`,
    ]);
  });

  it('runs Helm install and upgrade hooks as PreSync, a Sync hook with the objects, and skips Helm tests', async () => {
    await applyObject(
      cluster.api,
      applicationResource,
      application('mapped', { path: 'mapped', timeout: '5m' }),
    );
    const app = await waitApplied('mapped', await suite.work.head());
    expect(hooksOf(app).map((h) => ({ key: h.key, state: h.state, deleted: h.deleted === true }))).toEqual([
      { key: `PreSync/${ns}_helm-migrate_batch_Job`, state: 'Succeeded', deleted: true },
      { key: `Sync/${ns}_during-_batch_Job`, state: 'Succeeded', deleted: false },
    ]);
    expect(await cmData('mapped-app')).toEqual({ v: '1' });
    expect(await cmData('helm-test')).toBeUndefined();
    expect(await job('helm-migrate')).toBeUndefined();
  });

  it('continues a sync waiting for a hook after a controller restart, and runs no hook twice', async () => {
    await applyObject(
      cluster.api,
      applicationResource,
      application('restart', { path: 'restart', timeout: '5m' }),
    );
    const head = await suite.work.head();
    const migrate = await waitingPreSync('restart', `main@sha1:${head}`);
    const presyncJobs = await appJobs('presync');

    await suite.ctl.stop('SIGKILL');
    suite.ctl = await startController({
      kubeconfig: cluster.kubeconfig,
      namespace: ns,
      args: [`--cache-dir=${suite.git.rootDir}/cache`],
      env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
    });
    // The synced Application is applied again after the restart, without its hooks.
    await eventually(async () => {
      const op = (await getApp('presync')).status?.operation;
      expect(op).toMatchObject({ replay: true, phase: 'Succeeded' });
    }, 45_000);
    expect(await appJobs('presync')).toEqual(presyncJobs);

    await resume(migrate.name);
    await waitApplied('restart', head);
    expect(await cmData('restart-app')).toEqual({ v: '1' });
    expect(await appJobs('restart')).toEqual([migrate.name]);
  });
});
