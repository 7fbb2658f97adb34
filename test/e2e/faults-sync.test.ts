// An Application sync whose controller is SIGKILLed at every stage: fetching the commit,
// reading the artifact, rendering, the server-side dry-run, between apply waves (before a
// CRD, between the CRD and its custom resource, before the last wave), pruning, and just
// as the status is written. Each stage is a new commit; after the restart the cluster holds
// exactly that commit's objects. Stages are found from the controller's debug log lines
// (`fetching`, `sync stage`); the kill follows the line within milliseconds, so it lands
// in that stage or just after it began. The status write is a single request, which the
// kill usually loses the race to; the last case holds it back (Application status writes
// refused by an admission policy) so the kill always lands after prune, before the status.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import {
  type LogLine,
  RestartableController,
  recorded,
  requestReconcile,
  seconds,
} from '../support/faults.ts';
import { freezeStatus, setFrozen } from '../support/faults-freeze.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const GROUP = 'faults.sluice.dev';
const widgets = { group: GROUP, version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };
const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
/** Enough objects per wave that applying one takes longer than the kill needs to land. */
const PER_WAVE = 15;
const PRUNED_PER_COMMIT = 8;

let ns: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: RestartableController;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function cm(name: string, rev: number, wave?: number): string {
  const annotations = wave === undefined ? '' : `\n  annotations: {sluice.dev/sync-wave: "${wave}"}`;
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}${annotations}\ndata: {rev: "${rev}"}\n`;
}

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${GROUP}
  annotations: {sluice.dev/sync-wave: "1", sluice.dev/prune: disabled}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {rev: {type: integer}}}
`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: example.invalid/web:1}]}
`;

/** The files of commit `rev`: three waves, a CRD and its resource, and objects the next commit prunes. */
function commit(rev: number): Record<string, string | null> {
  return {
    'wave0.yaml': range(PER_WAVE)
      .map((j) => cm(`w0-${j}`, rev))
      .join('---\n'),
    'crd.yaml': crd,
    'widget.yaml': `apiVersion: ${GROUP}/v1\nkind: Widget\nmetadata:\n  name: w\n  annotations: {sluice.dev/sync-wave: "1"}\nspec: {rev: ${rev}}\n`,
    'wave2.yaml': range(PER_WAVE)
      .map((j) => cm(`w2-${j}`, rev, 2))
      .join('---\n'),
    'deployment.yaml': deployment,
    [`gone-${rev}.yaml`]: range(PRUNED_PER_COMMIT)
      .map((j) => cm(`gone-${rev}-${j}`, rev))
      .join('---\n'),
    ...(rev > 1 ? { [`gone-${rev - 1}.yaml`]: null } : {}),
  };
}

function expectedConfigMaps(rev: number): string[] {
  return [
    ...range(PER_WAVE).map((j) => `w0-${j}`),
    ...range(PER_WAVE).map((j) => `w2-${j}`),
    ...range(PRUNED_PER_COMMIT).map((j) => `gone-${rev}-${j}`),
  ].sort();
}

async function converged(rev: number, sha: string): Promise<Application> {
  const app = await eventually(async () => {
    const a = await cluster.api.get<Application>(applicationResource, ns, 'app');
    expect(a.status?.lastAppliedRevision, condition(a, 'Ready')?.message).toBe(`main@sha1:${sha}`);
    expect(condition(a, 'Ready')?.status).toBe('True');
    return a;
  }, 120_000);
  expect(condition(app, 'Ready')?.message).toContain(sha);
  expect(app.status?.history?.[0]).toMatchObject({ revision: `main@sha1:${sha}`, result: 'Succeeded' });
  const live = await cluster.api.list<KubeObject & { data?: Record<string, string> }>(configMaps, ns);
  const ours = live.items.filter((c) => c.metadata.name !== 'kube-root-ca.crt');
  // Exactly the commit's objects: nothing left from the previous one, nothing missing.
  expect(ours.map((c) => c.metadata.name).sort()).toEqual(expectedConfigMaps(rev));
  // Every object at this commit's content: no older apply landed after a newer one.
  expect(ours.filter((c) => c.data?.rev !== String(rev)).map((c) => c.metadata.name)).toEqual([]);
  const widget = await cluster.api.get<KubeObject & { spec: { rev: number } }>(widgets, ns, 'w');
  expect(widget.spec.rev).toBe(rev);
  // Applied again after every restart, never changed: the same object, generation 1.
  const dep = await cluster.api.get<KubeObject>(core.deployments, ns, 'web');
  expect(dep.metadata.generation).toBe(1);
  const ids = (app.status?.inventory?.entries ?? []).map((e) => e.id).sort();
  expect(ids).toEqual(
    [
      ...expectedConfigMaps(rev).map((n) => `${ns}_${n}__ConfigMap`),
      `${ns}_w_${GROUP}_Widget`,
      `${ns}_web_apps_Deployment`,
      `_widgets.${GROUP}_apiextensions.k8s.io_CustomResourceDefinition`,
    ].sort(),
  );
  return app;
}

/** The distinct `rev` values of the ConfigMaps in the namespace. */
async function cmRevs(): Promise<string[]> {
  const live = await cluster.api.list<KubeObject & { data?: Record<string, string> }>(configMaps, ns);
  return [...new Set(live.items.flatMap((c) => (c.data?.rev ? [c.data.rev] : [])))].sort();
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'faults-sync');
  git = await startGitServers();
  repo = await git.createRepo('app.git');
  work = await git.workTree(repo);
  await work.commitAndPush(commit(1), 'rev 1', repo.remote('git'));
  ctl = new RestartableController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/cache`],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
  });
  await ctl.start();
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(ns, 'repo', { url: repo.urls.git, interval: '1m' }),
  );
  const app: Application = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'app', namespace: ns },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1m', prune: true },
  };
  await applyObject(cluster.api, applicationResource, app);
  await converged(1, await work.head());
}, 300_000);

afterAll(async () => {
  await ctl?.stop();
  await git?.stop();
  await deleteNamespace(cluster.api, ns);
});

const ofApp = (l: LogLine) => l.kind === 'Application' && l.namespace === ns;
const stage =
  (name: string, extra: (l: LogLine) => boolean = () => true) =>
  (sha: string) =>
  (l: LogLine) =>
    ofApp(l) && l.msg === 'sync stage' && l.stage === name && String(l.revision).endsWith(sha) && extra(l);

/**
 * The failed reconcile that follows the status stage line of `sha`: with Application status
 * writes refused, everything is applied and pruned but the status still names the last commit.
 */
function afterStatusLine(sha: string): (l: LogLine) => boolean {
  let statusLine = false;
  return (l) => {
    if (stage('status')(sha)(l)) statusLine = true;
    return statusLine && ofApp(l) && /reconcile (failed|stalled)/.test(String(l.msg));
  };
}

/** Where to kill, as a predicate on log lines given the commit's sha. */
const STAGES: { name: string; line: (sha: string) => (l: LogLine) => boolean; freeze?: boolean }[] = [
  {
    name: 'fetch',
    line: () => (l) => l.kind === 'GitRepository' && l.namespace === ns && l.msg === 'fetching',
  },
  { name: 'artifact', line: stage('artifact') },
  { name: 'render', line: stage('render') },
  { name: 'dry-run validation', line: stage('validate') },
  { name: 'before wave 1 (CRD)', line: stage('apply', (l) => l.wave === 1) },
  { name: 'CRD established, before its CR', line: stage('apply', (l) => l.wave === 2) },
  { name: 'before wave 2', line: stage('apply', (l) => l.wave === 3) },
  { name: 'prune', line: stage('prune') },
  { name: 'status write (raced)', line: stage('status') },
  { name: 'after prune, status write refused', line: afterStatusLine, freeze: true },
];

describe('Application sync: controller SIGKILLed at every stage', () => {
  for (const [i, s] of STAGES.entries()) {
    const rev = i + 2;
    it(`converges to the commit after a kill at: ${s.name}`, async () => {
      const unfreeze = s.freeze ? await freezeStatus(cluster, ns, 'applications') : undefined;
      if (unfreeze) await setFrozen(cluster, ns, 'application/app', true);
      const sha = await work.commitAndPush(commit(rev), `rev ${rev}`, repo.remote('git'));
      const killed = ctl.killOnLog(s.line(sha), 120_000);
      await requestReconcile(cluster.kubectl, ns, 'gitrepository/repo');
      await killed;
      const down = Date.now();
      const before = await cluster.api.get<Application>(applicationResource, ns, 'app');
      const statusWritten = before.status?.lastAppliedRevision === `main@sha1:${sha}`;
      if (unfreeze) {
        expect(statusWritten).toBe(false);
        // Everything of the commit is applied already: only the status is behind.
        expect(await cmRevs()).toEqual([String(rev)]);
        await setFrozen(cluster, ns, 'application/app', false);
        await unfreeze();
      }
      await ctl.restart();
      await recorded('sync SIGKILL', s.name, async () => {
        await converged(rev, sha);
        return `converged ${seconds(Date.now() - down)} after the kill; status written before the kill: ${statusWritten ? 'yes' : 'no'}`;
      });
    }, 240_000);
  }
});
