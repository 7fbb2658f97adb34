// The kubectl sluice plugin end to end: the installed entry point in its own process, against a
// real API server, a real git server and the controller in its own process.

import { beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import type { ServedRepo, WorkTree } from '../support/git/index.ts';
import { applyObject, condition } from '../support/kinds.ts';
import { sluice as run, sluiceWatch } from '../support/kubectl-sluice.ts';
import { analysisTemplate, RolloutDriver, template } from '../support/rollouts.ts';

const suite = appSuite('plugin', {
  files: { 'app/settings.yaml': cm('settings', { color: 'blue' }), 'app/gone.yaml': cm('gone', { a: '1' }) },
  // Long intervals: every fetch and sync in these tests is one the plugin asked for.
  interval: '1h',
});
const { cluster, cmData } = suite;
let ns: string;
let repo: ServedRepo;
let work: WorkTree;
let ro: RolloutDriver;

const sluice = (...args: string[]) => run(cluster, [...args, '-n', ns]);

beforeAll(async () => {
  ({ ns, repo, work } = suite);
  ro = new RolloutDriver(cluster, ns);
  await applyObject(
    cluster.api,
    applicationResource,
    suite.application('web', { path: 'app', interval: '1h', prune: true }),
  );
});

describe('kubectl sluice on Applications and GitRepositories', () => {
  it('get app shows the revision, sync, health, inventory and last sync; -o json prints the object', async () => {
    const sha = await work.head();
    await eventually(async () => {
      const app = await cluster.api.get<Application>(applicationResource, ns, 'web');
      expect(app.status?.lastAppliedRevision).toBe(`main@sha1:${sha}`);
      expect(app.status?.health).toBe('Healthy');
    }, 60_000);
    const got = await sluice('get', 'app', 'web');
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(`Application ${ns}/web\n`);
    expect(got.stdout).toMatch(new RegExp(`Revision\\s+main@sha1:${sha} \\(applied\\)`));
    expect(got.stdout).toMatch(/Sync\s+Synced/);
    expect(got.stdout).toMatch(/Health\s+Healthy/);
    expect(got.stdout).toMatch(/Inventory\s+2 objects\n.*ConfigMap\s+2/);
    expect(got.stdout).toMatch(new RegExp(`Last sync\\s+Succeeded main@sha1:${sha}`));
    expect(got.stdout).toMatch(/Ready\s+True\s+ReconciliationSucceeded/);

    const json = await sluice('get', 'application', 'web', '-o', 'json');
    expect(json.code).toBe(0);
    const obj = JSON.parse(json.stdout) as Application;
    expect(obj.metadata.name).toBe('web');
    expect(obj.status?.syncStatus).toBe('Synced');

    const source = await sluice('get', 'source', 'repo');
    expect(source.code).toBe(0);
    expect(source.stdout).toMatch(new RegExp(`Revision\\s+main@sha1:${sha}`));
    expect(source.stdout).toContain(repo.urls.git);
  });

  it('suspend holds a sync back, diff shows what it would change, resume applies it', async () => {
    const suspended = await sluice('suspend', 'app', 'web');
    expect(suspended).toMatchObject({ code: 0, stdout: 'application.sluice.dev/web suspended\n' });
    expect((await cluster.api.get<Application>(applicationResource, ns, 'web')).spec.suspend).toBe(true);
    const refused = await sluice('reconcile', 'app', 'web');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: application.sluice.dev/web is suspended; resume it to reconcile\n');

    const sha = await work.commitAndPush(
      {
        'app/settings.yaml': cm('settings', { color: 'green' }),
        'app/gone.yaml': null,
        'app/extra.yaml': cm('extra', { b: '2' }),
      },
      'change, add and remove',
      repo.remote('git'),
    );
    const fetched = await sluice('reconcile', 'source', 'repo', '--timeout', '60s');
    expect(fetched.stderr).toBe('');
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toContain(
      `gitrepository.sluice.dev/repo reconciled: stored artifact for revision 'main@sha1:${sha}'`,
    );
    const source = await cluster.api.get<GitRepository>(gitRepositoryResource, ns, 'repo');
    expect(source.status?.artifact?.revision).toBe(`main@sha1:${sha}`);

    const diff = await sluice('diff', 'app', 'web');
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain(`# ConfigMap ${ns}/settings: update (app/settings.yaml)\n`);
    expect(diff.stdout).toContain(
      `--- live/v1.ConfigMap.${ns}.settings\n+++ main@sha1:${sha}/v1.ConfigMap.${ns}.settings\n`,
    );
    expect(diff.stdout).toContain('-  color: blue\n+  color: green\n');
    expect(diff.stdout).toContain(`# ConfigMap ${ns}/extra: create (app/extra.yaml)\n--- /dev/null\n`);
    expect(diff.stdout).toContain(`# ConfigMap ${ns}/gone: prune\n`);
    expect(diff.stdout).not.toMatch(/managedFields|resourceVersion|creationTimestamp|uid:/);
    expect(diff.stderr).toBe(`main@sha1:${sha}: 1 to update, 1 to create, 1 to prune, 0 unchanged\n`);
    // A dry run changes nothing.
    expect(await cmData('settings')).toEqual({ color: 'blue' });
    expect(await cmData('extra')).toBeUndefined();

    const json = await sluice('diff', 'app', 'web', '-o', 'json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      revision: string;
      changes: { action: string; name: string; diff: string }[];
    };
    expect(parsed.revision).toBe(`main@sha1:${sha}`);
    expect(parsed.changes.map((c) => `${c.action} ${c.name}`).sort()).toEqual([
      'create extra',
      'prune gone',
      'update settings',
    ]);

    const resumed = await sluice('resume', 'app', 'web', '--timeout', '90s');
    expect(resumed.stderr).toBe('');
    expect(resumed).toMatchObject({
      code: 0,
      stdout: `application.sluice.dev/web resumed: applied revision: main@sha1:${sha}\n`,
    });
    expect(await cmData('settings')).toEqual({ color: 'green' });
    expect(await cmData('extra')).toEqual({ b: '2' });
    expect(await cmData('gone')).toBeUndefined();

    const none = await sluice('diff', 'app', 'web');
    expect(none).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `main@sha1:${sha}: no differences (2 objects)\n`,
    });
  });

  it('reconcile asks for a sync now and waits for its outcome', async () => {
    await cluster.kubectl([
      'patch',
      '-n',
      ns,
      'configmap/settings',
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);
    const done = await sluice('reconcile', 'app', 'web', '--with-source');
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const sha = await work.head();
    expect(done.stdout).toBe(
      `gitrepository.sluice.dev/repo reconciled: stored artifact for revision 'main@sha1:${sha}'\n` +
        `application.sluice.dev/web reconciled: applied revision: main@sha1:${sha}\n`,
    );
    const app = await cluster.api.get<Application>(applicationResource, ns, 'web');
    expect(app.status?.lastHandledReconcileAt).toBe(
      app.metadata.annotations?.['sluice.dev/reconcile-requested-at'],
    );
    expect(condition(app, 'Ready')?.status).toBe('True');
    expect(await cmData('settings')).toEqual({ color: 'green' });
  });

  it('reports errors on stderr with kubectl exit codes', async () => {
    const missing = await sluice('get', 'app', 'nope');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('Error from server (NotFound): applications.sluice.dev "nope" not found\n');
    const diffMissing = await sluice('diff', 'app', 'nope');
    expect(diffMissing.code).toBe(2);
    expect(diffMissing.stderr).toContain('"nope" not found');
    const usage = await sluice('get', 'app');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("See 'kubectl sluice --help' for usage.");
    const context = await sluice('get', 'app', 'web', '--context', 'no-such-context');
    expect(context.code).toBe(1);
    expect(context.stderr).toBe('error: context "no-such-context" does not exist in the kubeconfig\n');
  });
});

describe('kubectl sluice on Rollouts', () => {
  it('get shows steps, ReplicaSets, pods and analysis; promote moves on; --watch redraws', async () => {
    await cluster.api.create(analysisTemplateResource, analysisTemplate(ns, 'errors'));
    await ro.create('ops', {
      replicas: 2,
      selector: { matchLabels: { app: 'ops' } },
      template: template('ops', 'example.invalid/ops:1'),
      strategy: {
        canary: {
          steps: [
            { setWeight: 50 },
            { pause: {} },
            {
              analysis: {
                templates: [{ templateName: 'errors' }],
                args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
              },
            },
          ],
        },
      },
    });
    const h1 = (await ro.waitFor('ops', (r) => expect(r.status?.phase).toBe('Healthy'), 90_000)).status
      ?.stableRS;
    await ro.setImage('ops', 'example.invalid/ops:2');
    const paused = await ro.waitFor(
      'ops',
      (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      },
      90_000,
    );
    const h2 = paused.status?.currentPodHash as string;

    const got = await sluice('get', 'rollout', 'ops');
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/Phase:\s+Paused\n/);
    expect(got.stdout).toMatch(/Paused:\s+CanaryPauseStep since /);
    expect(got.stdout).toContain('  ✔ 1. setWeight: 50\n  ▶ 2. pause  (current)\n    3. analysis (errors)\n');
    expect(got.stdout).toMatch(new RegExp(`revision:2\\n│   └── ops-${h2}\\s+ReplicaSet\\s+.*canary`));
    expect(got.stdout).toMatch(new RegExp(`revision:1\\n    └── ops-${h1}\\s+ReplicaSet\\s+.*stable`));
    expect(got.stdout).toMatch(new RegExp(`ops-${h2}-\\w+\\s+Pod\\s+Running`));

    const watch = sluiceWatch(cluster, ['get', 'rollout', 'ops', '--watch', '-n', ns]);
    await watch.waitFor((o) => o.includes('▶ 2. pause'));
    const promoted = await sluice('promote', 'ops');
    expect(promoted).toMatchObject({ code: 0, stdout: 'rollout.sluice.dev/ops promoted\n' });
    const run = await ro.waitForRun('ops', () => true);
    await ro.driveRun(run.metadata.name, 'Running', 'error-rate', '0.012');
    const shown = await watch.waitFor((o) =>
      /error-rate\s+Metric\s+Running\s+latest 0\.012 \(Running/.test(o),
    );
    expect(shown).toContain('▶ 3. analysis (errors)  (current)');
    expect(shown).toMatch(new RegExp(`${run.metadata.name}\\s+AnalysisRun\\s+Running`));
    // Not a terminal: successive snapshots, without escape sequences.
    expect(shown.match(/^Name:\s+ops$/gm)?.length).toBeGreaterThan(1);
    expect(shown).not.toContain('\x1b[');
    expect(await watch.stop()).toBe(0);
  }, 240_000);

  it('abort, retry, pause, resume, promote --full and undo', async () => {
    const h1 = (await ro.get('ops')).status?.stableRS;
    const h2 = (await ro.get('ops')).status?.currentPodHash;
    expect((await sluice('abort', 'ops')).stdout).toBe('rollout.sluice.dev/ops aborted\n');
    await ro.waitFor('ops', (r) => expect(r.status?.phase).toBe('Degraded'));
    expect((await sluice('get', 'rollout', 'ops')).stdout).toMatch(/Aborted:\s+yes at /);
    expect((await sluice('retry', 'ops')).stdout).toBe('rollout.sluice.dev/ops retried\n');
    await ro.waitFor(
      'ops',
      (r) => {
        expect(r.status?.abort).toBeUndefined();
        expect(r.status?.phase).toBe('Paused');
      },
      90_000,
    );

    expect((await sluice('pause', 'rollout', 'ops')).stdout).toBe('rollout.sluice.dev/ops paused\n');
    expect((await ro.get('ops')).spec.paused).toBe(true);
    expect((await sluice('resume', 'ops')).stdout).toBe('rollout.sluice.dev/ops resumed\n');
    expect((await ro.get('ops')).spec.paused).toBe(false);
    const again = await sluice('resume', 'ops');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not paused/);

    const full = await sluice('promote', '--full', 'ops', '-o', 'json');
    expect(full.code).toBe(0);
    expect((JSON.parse(full.stdout) as { status: { promoteFull?: boolean } }).status.promoteFull).toBe(true);
    await ro.waitFor(
      'ops',
      (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      },
      90_000,
    );

    const undone = await sluice('undo', 'ops');
    expect(undone).toMatchObject({ code: 0, stdout: 'rollout.sluice.dev/ops rolled back to revision 1\n' });
    const back = await ro.get('ops');
    const containers = back.spec.template?.spec?.containers as { image: string }[] | undefined;
    expect(containers?.[0]?.image).toBe('example.invalid/ops:1');
    await ro.waitFor('ops', (r) => expect(r.status?.currentPodHash).toBe(h1));
  }, 240_000);

  it('set image starts an update; restart replaces every pod without going through the steps', async () => {
    await ro.create('restart', {
      replicas: 3,
      selector: { matchLabels: { app: 'restart' } },
      template: template('restart', 'example.invalid/restart:1'),
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    });
    await ro.waitFor('restart', (r) => expect(r.status?.phase).toBe('Healthy'), 90_000);

    const refused = await sluice('set', 'image', 'restart', 'web=example.invalid/restart:2');
    expect(refused).toMatchObject({
      code: 1,
      stderr: 'error: rollout restart has no container "web" (containers: app)\n',
    });
    const set = await sluice('set', 'image', 'restart', 'app=example.invalid/restart:2');
    expect(set).toMatchObject({ code: 0, stdout: 'rollout.sluice.dev/restart image updated\n' });
    await ro.waitFor(
      'restart',
      (r) => expect(r.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 }),
      90_000,
    );
    await sluice('promote', '--full', 'restart');
    const healthy = await ro.waitFor(
      'restart',
      (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
      },
      90_000,
    );
    const podsNow = async () =>
      (await cluster.api.list<KubeObject>(core.pods, ns, { labelSelector: 'app=restart' })).items.filter(
        (p) => !p.metadata.deletionTimestamp,
      );
    const before = new Set((await podsNow()).map((p) => p.metadata.name));
    expect(before.size).toBe(3);

    const restarted = await sluice('restart', 'restart');
    expect(restarted).toMatchObject({ code: 0, stdout: 'rollout.sluice.dev/restart restarting\n' });
    const restartAt = (await ro.get('restart')).spec.restartAt as string;
    const done = await ro.waitFor(
      'restart',
      (r) => expect(r.status).toMatchObject({ restartedAt: restartAt, phase: 'Healthy' }),
      120_000,
    );
    // The same version, no step taken again: only the pods are new.
    expect(done.status).toMatchObject({
      stableRS: healthy.status?.stableRS,
      currentPodHash: healthy.status?.currentPodHash,
      currentStepIndex: 2,
      phase: 'Healthy',
    });
    const after = await podsNow();
    expect(after).toHaveLength(3);
    for (const pod of after) {
      expect(before.has(pod.metadata.name)).toBe(false);
      expect(Date.parse(pod.metadata.creationTimestamp ?? '')).toBeGreaterThanOrEqual(Date.parse(restartAt));
    }
    await eventually(async () => {
      const reasons = (await cluster.api.list<KubeObject>(core.events, ns)).items
        .filter((e) => (e as { regarding?: { name?: string } }).regarding?.name === 'restart')
        .map((e) => (e as { reason?: string }).reason);
      expect(reasons.filter((r) => r === 'PodRestarted')).toHaveLength(3);
      expect(reasons).toContain('RolloutRestarted');
    });
  }, 300_000);
});
