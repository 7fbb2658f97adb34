// Everything the demo runs, started in order and torn down in reverse: the control plane, a
// Prometheus, the git daemon with the demo repository, and the Sluice controller. Each piece
// registers its own teardown as soon as it is up, so Ctrl-C at any point removes what exists.

import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../controller/kube/client.ts';
import { loadKubeConfig } from '../controller/kube/config.ts';
import { ObjectApi } from '../controller/kube/objects.ts';
import { core } from '../controller/kube/resources.ts';
import { type ControlPlane, repoRoot, startControlPlane } from '../test/control-plane/control-plane.ts';
import { type ControllerProcess, startController } from '../test/support/controller-process.ts';
import { createSecret } from '../test/support/kinds.ts';
import {
  type CommitStatusServer,
  startCommitStatusServer,
} from '../test/support/notifications/commit-status-server.ts';
import { type PrometheusServer, startPrometheus } from '../test/support/prometheus/prometheus-server.ts';
import { type DemoRepo, startDemoRepo } from './example-repo.ts';
import type { Teardown } from './teardown.ts';

export const NAMESPACE = 'demo';
const WEBHOOK_SECRET_NAME = 'sluice-webhook';
/** The Secret holding the token the `github` notification Provider sends. */
export const GITHUB_SECRET_NAME = 'github-token';

export interface Stack {
  dir: string;
  cp: ControlPlane;
  /** When the control plane answered, for the time-to-first-promotion figure. */
  controlPlaneUpAt: number;
  api: ObjectApi;
  prometheus: PrometheusServer;
  repo: DemoRepo;
  controller: ControllerProcess;
  controllerLog: string;
  /**
   * GitHub's commit status API on loopback (github.com cannot be reached from here): the
   * demo's `github` Provider sets the verdict on the commit there.
   */
  commits: CommitStatusServer;
  /** Holds `kubectl-sluice` when the plugin is in the checkout. */
  binDir: string | undefined;
}

type Log = (text: string) => void;

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

export async function startStack(teardown: Teardown, log: Log, detail: Log): Promise<Stack> {
  const dir = await teardown.track(
    'demo directory',
    () => mkdtemp(join(tmpdir(), 'sluice-demo-')),
    (d) => rm(d, { recursive: true, force: true }),
  );

  let began = Date.now();
  const cp = await teardown.track(
    'control plane',
    () => startControlPlane({ log: (m) => detail(`control plane: ${m}`) }),
    (c) => c.stop(),
  );
  const controlPlaneUpAt = Date.now();
  log(
    `control plane up in ${seconds(began)}: etcd, kube-apiserver, controller-manager, scheduler, 3 kwok nodes`,
  );

  began = Date.now();
  const prometheus = await teardown.track(
    'Prometheus',
    () => startPrometheus({ scrapeIntervalSeconds: 1 }),
    (p) => p.stop(),
  );
  log(`Prometheus up in ${seconds(began)} at ${prometheus.url}`);

  began = Date.now();
  const repo = await teardown.track(
    'git daemon',
    () => startDemoRepo(dir, prometheus.url),
    (r) => r.stop(),
  );
  log(`git daemon up in ${seconds(began)} serving ${repo.url}`);

  const api = new ObjectApi(new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })));
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const webhookSecret = randomBytes(16).toString('hex');
  await createSecret(api, NAMESPACE, WEBHOOK_SECRET_NAME, { generic: webhookSecret });
  const githubToken = randomBytes(16).toString('hex');
  const commits = await teardown.track(
    'commit status receiver',
    () => startCommitStatusServer(githubToken),
    (c) => c.stop(),
  );
  await createSecret(api, NAMESPACE, GITHUB_SECRET_NAME, { token: githubToken });

  began = Date.now();
  const controllerLog = join(dir, 'controller.log');
  const controller = await teardown.track(
    'controller',
    () =>
      startController({
        kubeconfig: cp.kubeconfig,
        args: [`--cache-dir=${join(dir, 'cache')}`, `--webhook-secret=${NAMESPACE}/${WEBHOOK_SECRET_NAME}`],
        // kustomize comes with the control plane's binaries.
        env: { LOG_LEVEL: 'info', PATH: `${cp.binDir}:${process.env.PATH ?? ''}` },
      }),
    (c) => c.stop(),
  );
  // A demo that dies must not leave the controller running.
  process.once('exit', () => controller.child.kill('SIGKILL'));
  controller.child.stdout?.pipe(createWriteStream(controllerLog));
  const webhook = await controller.waitForLog((l) => l.msg === 'webhook receiver listening');
  await repo.installHook(String(webhook.url), webhookSecret);
  log(
    `Sluice controller up in ${seconds(began)}; push webhook at ${String(webhook.url)}, wired to a post-receive hook`,
  );

  return {
    dir,
    cp,
    controlPlaneUpAt,
    api,
    prometheus,
    repo,
    controller,
    controllerLog,
    commits,
    binDir: await pluginDir(dir),
  };
}

/** Puts `kubectl-sluice` on a directory for PATH, so `kubectl sluice` works without installing it. */
async function pluginDir(dir: string): Promise<string | undefined> {
  const plugin = join(repoRoot, 'cli', 'kubectl-sluice.js');
  if (!existsSync(plugin) || !existsSync(join(repoRoot, 'cli', 'main.ts'))) return undefined;
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink(plugin, join(bin, 'kubectl-sluice'));
  return bin;
}
