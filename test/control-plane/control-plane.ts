import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generatePki, kubeconfigYaml } from './pki.ts';
import { freePort, isAlive, killGroup, type Supervised, startProcess, waitFor } from './processes.ts';
import { waitForCondition } from './wait-condition.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const RUNS_DIR = join(tmpdir(), 'sluice-control-planes');

interface ControlPlaneOptions {
  /** How many kwok nodes to create. */
  nodes?: number;
  /** Install crds/ from the repository. */
  installCrds?: boolean;
  log?: (msg: string) => void;
}

export interface ControlPlane {
  server: string;
  kubeconfig: string;
  caCert: string;
  binDir: string;
  runDir: string;
  kubectl(args: string[], input?: string): Promise<string>;
  /**
   * Stops kube-apiserver (SIGTERM to its process group, SIGKILL after 15 s), keeps it down
   * for `downMs`, and starts it again with the same flags, port and certificates; resolves
   * once /readyz answers. etcd and the other components keep running.
   */
  restartApiServer(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Builds (or reuses) the binaries; returns their directory. */
async function ensureBinaries(): Promise<string> {
  if (process.env.SLUICE_CP_BIN) return process.env.SLUICE_CP_BIN;
  const { stdout } = await run('bash', [join(here, 'build.sh')], { maxBuffer: 16 << 20 });
  return stdout.trim().split('\n').pop() as string;
}

/** Kills what a run that died without cleaning up left behind. */
async function reapStaleRuns(): Promise<void> {
  await mkdir(RUNS_DIR, { recursive: true });
  for (const entry of await readdir(RUNS_DIR)) {
    const dir = join(RUNS_DIR, entry);
    const owner = Number(await readFile(join(dir, 'owner'), 'utf8').catch(() => '0'));
    if (owner && isAlive(owner)) continue;
    const pids = (await readFile(join(dir, 'pids'), 'utf8').catch(() => '')).split('\n').map(Number);
    for (const pid of pids) killGroup(pid, 'SIGKILL');
    const etcdDir = await readFile(join(dir, 'etcd-dir'), 'utf8').catch(() => '');
    if (etcdDir) await rm(etcdDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

function httpsOk(
  url: string,
  tls: { ca: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean },
): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = https.get(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolvePromise(res.statusCode === 200);
    });
    req.on('error', () => resolvePromise(false));
    req.on('timeout', () => req.destroy());
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

/**
 * Starts etcd, kube-apiserver (RBAC on), kube-controller-manager, kube-scheduler and kwok
 * on loopback, with a fresh PKI and admin kubeconfig, and kwok nodes that make scheduled
 * pods Running and Ready.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const binDir = await ensureBinaries();
  await reapStaleRuns();
  const runDir = await mkdtemp(join(RUNS_DIR, 'run-'));
  await writeFile(join(runDir, 'owner'), String(process.pid));
  // etcd fsyncs a lot; on tmpfs the whole suite runs noticeably faster.
  const etcdBase = existsSync('/dev/shm') ? '/dev/shm' : runDir;
  const etcdDir = await mkdtemp(join(etcdBase, 'sluice-etcd-'));
  await writeFile(join(runDir, 'etcd-dir'), etcdDir);

  const procs: Supervised[] = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) killGroup(p.child.pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (
      procs.some((p) => p.child.exitCode === null && p.child.signalCode === null) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of procs) killGroup(p.child.pid, 'SIGKILL');
    process.off('exit', onExit);
    await rm(etcdDir, { recursive: true, force: true });
    if (!process.env.SLUICE_KEEP_CONTROL_PLANE_LOGS) await rm(runDir, { recursive: true, force: true });
  };
  // Last resort when the runner exits without calling stop (uncaught error, Ctrl-C).
  const onExit = () => {
    for (const p of procs) killGroup(p.child.pid, 'SIGKILL');
  };
  process.on('exit', onExit);

  try {
    const pki = await generatePki(runDir);
    const ca = await readFile(pki.caCert);
    const [etcdPort, peerPort, apiPort, cmPort, schedPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = await startProcess(runDir, 'etcd', 'etcd', [
      '--name=sluice',
      `--data-dir=${etcdDir}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=sluice=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ]);
    procs.push(etcd);
    await waitFor('etcd', () => httpOk(`${etcdUrl}/health`), { timeoutMs: 30_000, proc: etcd });
    log(`etcd ready (${Date.now() - started}ms)`);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=Node,RBAC',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      // Watch-list streams need etcd's RequestWatchProgress (etcd 3.4.31+), which Debian's etcd
      // lacks: kwok's watches then fail and are retried with growing backoff, so pods took up
      // to a minute to become Ready. Without the feature, clients use plain list-then-watch.
      '--feature-gates=WatchList=false',
      '--profiling=false',
      `--cert-dir=${runDir}`,
    ];
    const startApiServer = () =>
      startProcess(runDir, 'kube-apiserver', join(binDir, 'kube-apiserver'), apiserverArgs);
    let apiserver = await startApiServer();
    procs.push(apiserver);
    const adminTls = {
      ca,
      cert: await readFile(pki.clients.admin.cert),
      key: await readFile(pki.clients.admin.key),
    };
    await waitFor('kube-apiserver', () => httpsOk(`${server}/readyz`, adminTls), {
      timeoutMs: 90_000,
      proc: apiserver,
    });
    log(`kube-apiserver ready (${Date.now() - started}ms)`);

    const kubeconfig = join(runDir, 'admin.kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server, pki.caCert, pki.clients.admin));
    const cmConfig = join(runDir, 'controller-manager.kubeconfig');
    await writeFile(cmConfig, kubeconfigYaml(server, pki.caCert, pki.clients['controller-manager']));
    const schedConfig = join(runDir, 'scheduler.kubeconfig');
    await writeFile(schedConfig, kubeconfigYaml(server, pki.caCert, pki.clients.scheduler));

    const cm = await startProcess(
      runDir,
      'kube-controller-manager',
      join(binDir, 'kube-controller-manager'),
      [
        `--kubeconfig=${cmConfig}`,
        `--authentication-kubeconfig=${cmConfig}`,
        `--authorization-kubeconfig=${cmConfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${cmPort}`,
        `--cert-dir=${runDir}`,
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--controllers=*',
        '--concurrent-deployment-syncs=10',
        '--concurrent-replicaset-syncs=10',
      ],
    );
    procs.push(cm);
    const scheduler = await startProcess(runDir, 'kube-scheduler', join(binDir, 'kube-scheduler'), [
      `--kubeconfig=${schedConfig}`,
      `--authentication-kubeconfig=${schedConfig}`,
      `--authorization-kubeconfig=${schedConfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--cert-dir=${runDir}`,
      '--leader-elect=false',
    ]);
    procs.push(scheduler);
    procs.push(
      await startProcess(runDir, 'kwok', join(binDir, 'kwok'), [
        `--kubeconfig=${kubeconfig}`,
        `--config=${join(binDir, 'kwok-stages.yaml')}`,
        // Pods annotated sluice.dev/test-fault crash, fail to pull or fail (health tests).
        `--config=${join(here, 'kwok-fault-stages.yaml')}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--manage-nodes-with-label-selector=',
        '--manage-single-node=',
        '--cidr=10.0.0.0/16',
        '--node-ip=10.0.0.1',
        '--node-lease-duration-seconds=40',
      ]),
    );

    const kubectl = async (args: string[], input?: string): Promise<string> => {
      const child = execFile(join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
        maxBuffer: 64 << 20,
      });
      const out = new Promise<string>((resolvePromise, reject) => {
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => {
          stdout += d;
        });
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d;
        });
        child.on('close', (code) =>
          code === 0
            ? resolvePromise(stdout)
            : reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim()}`)),
        );
      });
      child.stdin?.end(input ?? '');
      return out;
    };

    // Their serving certificates are self-signed; this only asks whether they are up.
    const selfSigned = { ca, rejectUnauthorized: false };
    await Promise.all([
      waitFor('kube-controller-manager', () => httpsOk(`https://127.0.0.1:${cmPort}/healthz`, selfSigned), {
        timeoutMs: 60_000,
        proc: cm,
      }),
      waitFor('kube-scheduler', () => httpsOk(`https://127.0.0.1:${schedPort}/healthz`, selfSigned), {
        timeoutMs: 60_000,
        proc: scheduler,
      }),
    ]);
    log(`controller-manager and scheduler healthy (${Date.now() - started}ms)`);

    const nodes = opts.nodes ?? 3;
    const nodeDocs = Array.from({ length: nodes }, (_, i) => nodeManifest(`kwok-node-${i}`)).join('---\n');
    await kubectl(['apply', '-f', '-'], nodeDocs);
    await waitForCondition(
      kubectl,
      Array.from({ length: nodes }, (_, i) => `node/kwok-node-${i}`),
      'Ready',
    );
    log(`nodes ready (${Date.now() - started}ms)`);

    if (opts.installCrds !== false && existsSync(join(repoRoot, 'crds'))) {
      await kubectl(['apply', '--server-side', '-f', join(repoRoot, 'crds')]);
      await waitForCondition(kubectl, ['-f', join(repoRoot, 'crds')], 'Established');
      log(`CRDs established (${Date.now() - started}ms)`);
    }
    const restartApiServer = async (restartOpts: { downMs?: number } = {}): Promise<void> => {
      const old = apiserver;
      const exited = new Promise<void>((r) => {
        if (old.child.exitCode !== null || old.child.signalCode !== null) r();
        else old.child.once('exit', () => r());
      });
      killGroup(old.child.pid, 'SIGTERM');
      const killer = setTimeout(() => killGroup(old.child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      log(`kube-apiserver stopped (${Date.now() - started}ms)`);
      if (restartOpts.downMs) await new Promise((r) => setTimeout(r, restartOpts.downMs));
      apiserver = await startApiServer();
      procs[procs.indexOf(old)] = apiserver;
      await waitFor('kube-apiserver', () => httpsOk(`${server}/readyz`, adminTls), {
        timeoutMs: 90_000,
        proc: apiserver,
      });
      log(`kube-apiserver ready again (${Date.now() - started}ms)`);
    };
    return { server, kubeconfig, caCert: pki.caCert, binDir, runDir, kubectl, restartApiServer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function nodeManifest(name: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: ${name}
    kubernetes.io/role: agent
    type: kwok
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
`;
}
