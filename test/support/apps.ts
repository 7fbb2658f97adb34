// Helpers for end-to-end tests of Applications: a namespace, a real git server with one
// repository, a controller confined to the namespace and a GitRepository `repo` reading it.

import { afterAll, beforeAll, expect } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import type { KubeObject, ResourceType } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, eventually, type TestCluster, testCluster } from './cluster.ts';
import { type ControllerProcess, startController } from './controller-process.ts';
import { type GitServers, type ServedRepo, startGitServers, type WorkTree } from './git/index.ts';
import { applyObject, condition, gitRepository } from './kinds.ts';

export const configMaps: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

/** A ConfigMap manifest; `extra` is inserted under metadata (e.g. annotations). */
export const configMapYaml = (name: string, data: Record<string, string>, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;

/** A canary Rollout `web` of two pods that pauses at 50%; `canary` adds lines under strategy.canary. */
export const webRolloutYaml = (canary = '') => `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: example.invalid/web:1}]
  strategy:
    canary:
${canary}      steps: [{setWeight: 50}, {pause: {}}]
`;

/** A Deployment manifest of `replicas` pods labelled `app: <name>` (kwok runs them). */
export const deploymentYaml = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: example.invalid/${name}:1}]
`;

/** Per-file state of an Application end-to-end suite; fields are set once its beforeAll ran. */
export interface AppSuite {
  readonly cluster: TestCluster;
  ns: string;
  git: GitServers;
  repo: ServedRepo;
  work: WorkTree;
  ctl: ControllerProcess;
  /** An Application of `repo` in the suite's namespace (interval 1m, prune on, unless `spec` says). */
  application(name: string, spec: Partial<Application['spec']>): Application;
  getApp(name: string): Promise<Application>;
  /** Commits and pushes `files` (null deletes), then asks for a fetch now, as a webhook would. */
  push(files: Record<string, string | null>, message: string): Promise<string>;
  /** Waits until the Application has applied `sha` and is Ready. */
  waitApplied(name: string, sha: string): Promise<Application>;
  cmData(name: string, namespace?: string): Promise<Record<string, string> | undefined>;
  /** Stops the controller with `signal` (SIGKILL: no clean-up at all) and starts a new one, as a restarted pod. */
  restartController(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Registers the hooks of a suite: a fresh namespace, git servers with `<prefix>.git` holding
 * `files` as its first commit, a controller confined to the namespace, and GitRepository `repo`.
 */
export function appSuite(
  prefix: string,
  opts: {
    files: Record<string, string>;
    interval?: string;
    controllerArgs?: string[];
    /** More controller environment, given the suite's namespace. */
    controllerEnv?: (ns: string) => NodeJS.ProcessEnv;
  },
): AppSuite {
  const cluster = testCluster();
  const start = () =>
    startController({
      kubeconfig: cluster.kubeconfig,
      namespace: suite.ns,
      args: [`--cache-dir=${suite.git.rootDir}/cache`, ...(opts.controllerArgs ?? [])],
      env: { PATH: `${cluster.binDir}:${process.env.PATH}`, ...opts.controllerEnv?.(suite.ns) },
    });
  const suite: AppSuite = {
    cluster,
    ns: '',
    git: undefined as unknown as GitServers,
    repo: undefined as unknown as ServedRepo,
    work: undefined as unknown as WorkTree,
    ctl: undefined as unknown as ControllerProcess,
    application: (name, spec) => ({
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: suite.ns },
      spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1m', prune: true, ...spec },
    }),
    getApp: (name) => cluster.api.get<Application>(applicationResource, suite.ns, name),
    push: async (files, message) => {
      const sha = await suite.work.commitAndPush(files, message, suite.repo.remote('git'));
      await cluster.kubectl([
        'annotate',
        '--overwrite',
        '-n',
        suite.ns,
        'gitrepository/repo',
        `sluice.dev/reconcile-requested-at=${Date.now()}`,
      ]);
      return sha;
    },
    waitApplied: (name, sha) =>
      eventually(async () => {
        const app = await suite.getApp(name);
        expect(app.status?.lastAppliedRevision, condition(app, 'Ready')?.message).toBe(`main@sha1:${sha}`);
        expect(condition(app, 'Ready')?.status).toBe('True');
        return app;
      }, 45_000),
    cmData: async (name, namespace = suite.ns) => {
      const obj = await cluster.api.getOrUndefined<KubeObject & { data?: Record<string, string> }>(
        configMaps,
        namespace,
        name,
      );
      return obj?.data;
    },
    restartController: async (signal) => {
      await suite.ctl.stop(signal);
      suite.ctl = await start();
    },
  };
  beforeAll(async () => {
    suite.ns = await createNamespace(cluster.api, prefix);
    suite.git = await startGitServers();
    suite.repo = await suite.git.createRepo(`${prefix}.git`);
    suite.work = await suite.git.workTree(suite.repo);
    await suite.work.commitAndPush(opts.files, 'initial', suite.repo.remote('git'));
    suite.ctl = await start();
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(suite.ns, 'repo', { url: suite.repo.urls.git, interval: opts.interval ?? '1m' }),
    );
  });
  afterAll(async () => {
    await suite.ctl?.stop();
    await suite.git?.stop();
    if (suite.ns) await deleteNamespace(cluster.api, suite.ns);
  });
  return suite;
}
