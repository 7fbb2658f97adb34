// Outages of what the controller depends on, with the controller left running:
// - Prometheus stopped mid-analysis. The template's consecutiveErrorLimit decides: an outage
//   shorter than the limit makes the rollout wait (Error measurements, run still Running)
//   and continue when Prometheus is back; a longer one makes the run Error and the rollout
//   abort to stable. Either way nothing is promoted while data is missing.
// - The git server stopped: the last applied state stays, the GitRepository says Ready=False
//   naming the server, and both recover by themselves when it listens again on its port.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalysisRun, analysisTemplateResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { measurements } from '../support/analysis-runs.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { RestartableController, recorded, requestReconcile, seconds } from '../support/faults.ts';
import {
  type AnalysisBackend,
  errorRateTemplate,
  RolloutRecorder,
  startAnalysisBackend,
} from '../support/faults-rollouts.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';
import { RolloutDriver, template } from '../support/rollouts.ts';

const cluster = testCluster();
let ns: string;
let backend: AnalysisBackend;
let git: GitServers;
let ctl: RestartableController;
let ro: RolloutDriver;
let rec: RolloutRecorder;

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'faults-outages');
  [backend, git] = await Promise.all([startAnalysisBackend(), startGitServers({ httpPassword: 'pw' })]);
  for (const [name, limit] of [
    ['patient', 20],
    ['strict', 2],
  ] as const) {
    const t = errorRateTemplate(ns, backend.prometheus.url, { count: 8, consecutiveErrorLimit: limit });
    t.metadata.name = name;
    await cluster.api.create(analysisTemplateResource, t);
  }
  ctl = new RestartableController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/cache`],
  });
  await ctl.start();
  ro = new RolloutDriver(cluster, ns);
  rec = new RolloutRecorder(cluster, ns);
  await rec.start();
}, 300_000);

afterAll(async () => {
  rec?.stop();
  await ctl?.stop();
  await backend?.prometheus.restart().catch(() => {});
  await backend?.stop();
  await git?.stop();
  await deleteNamespace(cluster.api, ns);
});

/** A canary judged by `templateName`, updated to v2; resolves with both hashes once the run measures. */
async function updateUnderAnalysis(name: string, templateName: string): Promise<{ h1: string; h2: string }> {
  await ro.create(name, {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: template(name, `example.invalid/${name}:1`),
    strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName }] } }] } },
  });
  const h1 = (await rec.whenRollout((r) => r.metadata.name === name && r.status?.phase === 'Healthy')).status
    ?.stableRS as string;
  await ro.setImage(name, `example.invalid/${name}:2`);
  const run = await rec.whenRun(
    (r) =>
      r.metadata.name.startsWith(`${name}-`) &&
      measurements(r).filter((m) => m.phase === 'Successful').length >= 2,
  );
  const h2 = run.metadata.name.slice(name.length + 1).split('-')[0] as string;
  return { h1, h2 };
}

/** Index of the first status written that named `h2` stable; undefined when none did. */
function promotedAt(name: string, h2: string): number | undefined {
  const i = (rec.statuses.get(name) ?? []).findIndex((s) => s.stableRS === h2);
  return i < 0 ? undefined : i;
}

const errors = (run: AnalysisRun) => measurements(run).filter((m) => m.phase === 'Error').length;

describe('Prometheus stopped mid-analysis', () => {
  it('an outage within consecutiveErrorLimit (20): the rollout waits, then continues once Prometheus is back', async () => {
    const { h2 } = await updateUnderAnalysis('patient', 'patient');
    const runName = `patient-${h2}-1`;
    await backend.prometheus.stopTemporarily();
    const down = Date.now();
    const during = await rec.whenRun(
      (r) => r.metadata.name === runName && errors(r) >= 3,
      () => {},
      60_000,
    );
    const statusesWhileDown = rec.statuses.get('patient')?.length ?? 0;
    await backend.prometheus.restart();
    const up = Date.now();
    await recorded('Prometheus outage', 'shorter than consecutiveErrorLimit', async () => {
      expect(during.status?.phase).toBe('Running');
      expect(promotedAt('patient', h2)).toBeUndefined();
      const done = await rec.whenRollout(
        (r) => r.metadata.name === 'patient' && r.status?.stableRS === h2,
        () => {},
        120_000,
      );
      const promoted = Date.now();
      expect(done.status?.phase).not.toBe('Degraded');
      // Not promoted on anything written while Prometheus was down.
      expect(promotedAt('patient', h2)).toBeGreaterThanOrEqual(statusesWhileDown);
      const run = await ro.waitForRun('patient', (n) => n === runName);
      expect(run.status?.phase).toBe('Successful');
      const phases = measurements(run).map((m) => m.phase);
      return `${errors(run)} Error measurements while down ${seconds(up - down)}; run ${run.status?.phase} (${phases.length} measurements); promoted ${seconds(promoted - up)} after Prometheus returned`;
    });
  }, 300_000);

  it('an outage beyond consecutiveErrorLimit (2): the run Errors and the rollout aborts to stable, never promoting', async () => {
    const { h1, h2 } = await updateUnderAnalysis('strict', 'strict');
    const runName = `strict-${h2}-1`;
    await backend.prometheus.stopTemporarily();
    const down = Date.now();
    try {
      await recorded('Prometheus outage', 'longer than consecutiveErrorLimit', async () => {
        const aborted = await rec.whenRollout(
          (r) => r.metadata.name === 'strict' && r.status?.phase === 'Degraded',
          () => {},
          120_000,
        );
        const took = Date.now() - down;
        expect(aborted.status?.stableRS).toBe(h1);
        expect(aborted.status?.message).toContain('error-rate');
        const run = await ro.waitForRun('strict', (n) => n === runName);
        expect(run.status?.phase).toBe('Error');
        expect(
          measurements(run)
            .slice(-3)
            .map((m) => m.phase),
        ).toEqual(['Error', 'Error', 'Error']);
        expect(promotedAt('strict', h2)).toBeUndefined();
        const end = await rec.whenRollout(
          (r) => r.metadata.name === 'strict' && r.status?.canary?.weights?.canary?.weight === 0,
        );
        expect(end.status?.stableRS).toBe(h1);
        return `run Error after ${errors(run)} Error measurements, rollout aborted ${seconds(took)} after Prometheus stopped; stable stays ${h1}`;
      });
    } finally {
      await backend.prometheus.restart();
    }
  }, 300_000);
});

describe('git server stopped', () => {
  const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
  let repo: ServedRepo;
  let work: WorkTree;
  const cm = (rev: number) => ({
    'deploy/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {rev: "${rev}"}\n`,
  });
  const appliedRev = async () =>
    (await cluster.api.get<KubeObject & { data?: { rev?: string } }>(configMaps, ns, 'settings')).data?.rev;

  it('keeps the last applied state, says Ready=False naming the server, and recovers by itself', async () => {
    repo = await git.createRepo('app.git');
    work = await git.workTree(repo);
    const sha1 = await work.commitAndPush(cm(1), 'rev 1', repo.remote('git'));
    await createSecret(cluster.api, ns, 'git-auth', { username: 'sluice', password: 'pw' });
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'repo', { url: repo.urls.http, interval: '10s', secretRef: { name: 'git-auth' } }),
    );
    const app: Application = {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'app', namespace: ns },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'repo' },
        path: 'deploy',
        interval: '1m',
        prune: true,
      },
    };
    await applyObject(cluster.api, applicationResource, app);
    const getApp = () => cluster.api.get<Application>(applicationResource, ns, 'app');
    const getRepo = () => cluster.api.get<GitRepository>(gitRepositoryResource, ns, 'repo');
    await eventually(async () => {
      expect((await getApp()).status?.lastAppliedRevision).toBe(`main@sha1:${sha1}`);
    }, 60_000);

    await git.http.pause();
    const down = Date.now();
    // Pushed meanwhile over git://, which stays up: the source cannot see it.
    const sha2 = await work.commitAndPush(cm(2), 'rev 2', repo.remote('git'));
    await requestReconcile(cluster.kubectl, ns, 'gitrepository/repo');
    let up = 0;
    try {
      await recorded('git server outage', 'HTTP git server stopped, then back on its port', async () => {
        const failed = await eventually(async () => {
          const r = await getRepo();
          expect(condition(r, 'Ready')?.status).toBe('False');
          return r;
        }, 60_000);
        const ready = condition(failed, 'Ready');
        expect(ready?.message).toContain(`127.0.0.1`);
        expect(ready?.message).toContain(String(git.http.port));
        // The last good artifact is still served and applied.
        expect(failed.status?.artifact?.revision).toBe(`main@sha1:${sha1}`);
        expect(await appliedRev()).toBe('1');
        const a = await getApp();
        expect(a.status?.lastAppliedRevision).toBe(`main@sha1:${sha1}`);
        const noticed = Date.now() - down;

        await git.http.resume();
        up = Date.now();
        // No nudge: the controller retries by itself.
        await eventually(async () => {
          const r = await getRepo();
          expect(condition(r, 'Ready')?.status).toBe('True');
          expect(r.status?.artifact?.revision).toBe(`main@sha1:${sha2}`);
        }, 120_000);
        const sourceBack = Date.now() - up;
        await eventually(async () => {
          expect(await appliedRev()).toBe('2');
          const back = await getApp();
          expect(back.status?.lastAppliedRevision).toBe(`main@sha1:${sha2}`);
          expect(condition(back, 'Ready')?.status).toBe('True');
        }, 120_000);
        const appliedBack = Date.now() - up;
        return `Ready=False ${seconds(noticed)} after the stop ("${ready?.reason}: ${ready?.message?.slice(0, 90)}…"); source Ready ${seconds(sourceBack)} and new commit applied ${seconds(appliedBack)} after the server returned`;
      });
    } finally {
      if (!up) await git.http.resume();
    }
  }, 300_000);
});
