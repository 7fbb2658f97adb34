// kube-apiserver restarted in the middle of a sync and in the middle of a rollout: the
// controller's watches fail, are retried and reconnect, and it converges. Restarting the
// shared control plane's API server would break the files running next to this one, so
// this file starts its own control plane (one node, so it is light enough to run beside
// the shared one).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { type ControlPlane, startControlPlane } from '../control-plane/control-plane.ts';
import { createNamespace, eventually, kubectl, type TestCluster } from '../support/cluster.ts';
import {
  type LogLine,
  RestartableController,
  recorded,
  requestReconcile,
  seconds,
} from '../support/faults.ts';
import { RolloutRecorder } from '../support/faults-rollouts.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';
import { RolloutDriver, template } from '../support/rollouts.ts';

const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
/** Long enough that the API server's restart lands in the middle of the sync's waves. */
const PER_WAVE = 30;
let cp: ControlPlane;
let cluster: TestCluster;
let ns: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: RestartableController;
let rec: RolloutRecorder;

const watchFailed = (l: LogLine) => l.msg === 'list/watch failed, retrying';

function commit(rev: number): Record<string, string> {
  const docs = [0, 1, 2].flatMap((wave) =>
    Array.from(
      { length: PER_WAVE },
      (_, j) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w${wave}-${j}\n  annotations: {sluice.dev/sync-wave: "${wave}"}\ndata: {rev: "${rev}"}\n`,
    ),
  );
  return { 'deploy/all.yaml': docs.join('---\n') };
}

async function revs(): Promise<Record<string, number>> {
  const list = await cluster.api.list<KubeObject & { data?: { rev?: string } }>(configMaps, ns);
  const out: Record<string, number> = {};
  for (const c of list.items) if (c.data?.rev) out[c.data.rev] = (out[c.data.rev] ?? 0) + 1;
  return out;
}

async function applied(sha: string): Promise<void> {
  await eventually(async () => {
    const app = await cluster.api.get<Application>(applicationResource, ns, 'app');
    expect(app.status?.lastAppliedRevision).toBe(`main@sha1:${sha}`);
    expect(condition(app, 'Ready')?.status).toBe('True');
  }, 180_000);
}

beforeAll(async () => {
  cp = await startControlPlane({ nodes: 1, log: (m) => process.stderr.write(`[faults-apiserver] ${m}\n`) });
  const client = new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig }));
  cluster = {
    kubeconfig: cp.kubeconfig,
    binDir: cp.binDir,
    client,
    api: new ObjectApi(client),
    kubectl: (args, input) => kubectl(cp.binDir, cp.kubeconfig, args, input),
  };
  ns = await createNamespace(cluster.api, 'faults-apiserver');
  git = await startGitServers();
  repo = await git.createRepo('app.git');
  work = await git.workTree(repo);
  const sha = await work.commitAndPush(commit(1), 'rev 1', repo.remote('git'));
  ctl = new RestartableController({
    kubeconfig: cp.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/cache`],
  });
  await ctl.start();
  rec = new RolloutRecorder(cluster, ns);
  await rec.start();
  await applyObject(cluster.api, gitRepositoryResource, gitRepository(ns, 'repo', { url: repo.urls.git }));
  const app: Application = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'app', namespace: ns },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, path: 'deploy', interval: '1m', prune: true },
  };
  await applyObject(cluster.api, applicationResource, app);
  await applied(sha);
}, 400_000);

afterAll(async () => {
  rec?.stop();
  await ctl?.stop();
  await git?.stop();
  await cp?.stop();
});

describe('kube-apiserver restarted', () => {
  it('mid-sync: watches reconnect, the sync completes, and drift is still seen through the watches', async () => {
    const sha = await work.commitAndPush(commit(2), 'rev 2', repo.remote('git'));
    const failuresBefore = ctl.lines().filter(watchFailed).length;
    const mid = ctl.nextLog(
      (l) =>
        l.kind === 'Application' &&
        l.msg === 'sync stage' &&
        l.stage === 'apply' &&
        l.wave === 1 &&
        String(l.revision).endsWith(sha),
      120_000,
    );
    await requestReconcile(cluster.kubectl, ns, 'gitrepository/repo');
    await mid;
    const down = Date.now();
    const linesBefore = ctl.lines().length;
    await cp.restartApiServer({ downMs: 3_000 });
    const up = Date.now();
    await recorded('kube-apiserver restart', 'mid-sync (during apply waves)', async () => {
      await applied(sha);
      // The sync was cut short: its reconcile failed and was retried.
      const interrupted = ctl
        .lines()
        .slice(linesBefore)
        .some((l) => l.kind === 'Application' && /reconcile (failed|stalled)/.test(String(l.msg)));
      const converged = Date.now() - up;
      expect(await revs()).toEqual({ 2: 3 * PER_WAVE });
      const failures = ctl.lines().filter(watchFailed).length - failuresBefore;
      expect(failures).toBeGreaterThan(0);
      // Drift after the restart is seen only through a working watch of the applied objects.
      await cluster.kubectl(['-n', ns, 'delete', 'configmap', 'w2-0']);
      const deleted = Date.now();
      await eventually(async () => {
        const obj = await cluster.api.getOrUndefined<KubeObject>(configMaps, ns, 'w2-0');
        expect(obj).toBeDefined();
      }, 60_000);
      return `down ${seconds(up - down)}; sync interrupted and retried: ${interrupted ? 'yes' : 'no (it finished first)'}; ${failures} watch failures logged; converged ${seconds(converged)} after; deleted object re-applied ${seconds(Date.now() - deleted)} later (watch live)`;
    });
  }, 400_000);

  it('mid-rollout: watches reconnect and the rollout completes', async () => {
    const ro = new RolloutDriver(cluster, ns);
    await ro.create('web', {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: template('web', 'example.invalid/web:1'),
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: 5 } }, { setWeight: 75 }] } },
    });
    const h1 = (
      await rec.whenRollout(
        (r) => r.status?.phase === 'Healthy',
        () => {},
        180_000,
      )
    ).status?.stableRS as string;
    await ro.setImage('web', 'example.invalid/web:2');
    await rec.whenRollout((r) => r.status?.currentPodHash !== h1 && r.status?.currentStepIndex === 1);
    const failuresBefore = ctl.lines().filter(watchFailed).length;
    const down = Date.now();
    await cp.restartApiServer({ downMs: 3_000 });
    const up = Date.now();
    await recorded('kube-apiserver restart', 'mid-rollout (timed pause)', async () => {
      const done = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).not.toBe(h1);
      });
      const h2 = done.status?.stableRS as string;
      const took = Date.now() - up;
      expect(rec.steps('web', h2)).toEqual([0, 1, 2, 3]);
      const failures = ctl.lines().filter(watchFailed).length - failuresBefore;
      expect(failures).toBeGreaterThan(0);
      // A change after the restart is picked up through the Rollout watch.
      await ro.setImage('web', 'example.invalid/web:3');
      const noticed = await rec.whenRollout(
        (r) => r.status?.currentPodHash !== h2,
        () => {},
        60_000,
      );
      expect(noticed.status?.currentPodHash).toBeDefined();
      return `down ${seconds(up - down)}; ${failures} watch failures logged; promoted ${seconds(took)} after it came back; steps 0..3 once each; a new update after the restart was picked up`;
    });
  }, 400_000);
});
