// The controller as the Deployment runs it (manifests/deployment.yaml): a read-only root
// filesystem, uid 65532 with no capabilities and no_new_privs, only its cache dir and TMPDIR
// writable (the emptyDir on /tmp in the pod), HOME not writable, and its own ServiceAccount.
// It fetches over ssh and http, renders a kustomize overlay and a Helm chart (values from a
// ConfigMap, capabilities from discovery, as its installed RBAC allows) and applies them. There is no
// container engine here: test/support/read-only-root.ts builds the same confinement from a
// mount namespace and setpriv, so these tests need root, as a container runtime does.

import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, startGitServers } from '../support/git/index.ts';
import { installSluice, SLUICE_NAMESPACE } from '../support/install.ts';
import {
  applyObject,
  boundServiceAccount,
  condition,
  createSecret,
  gitRepository,
} from '../support/kinds.ts';
import { readOnlyRoot } from '../support/read-only-root.ts';

const cluster = testCluster();
const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const HTTP_PASSWORD = 'ro-http-pw-41c9e07d2b';

describe('read-only root filesystem, non-root, HOME not writable', () => {
  const UID = 65532;
  const isRoot = process.getuid?.() === 0;
  let ns: string;
  let git: GitServers;
  let ctl: ControllerProcess;
  let writable: string;
  let home: string;
  let wrapper: string[];
  let binDir: string;

  /** Applies an Application of `source` at `path` as the deployer, and waits until it is Ready. */
  async function syncApp(name: string, source: string, path: string, helm?: Application['spec']['helm']) {
    const app: Application = {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        sourceRef: { kind: 'GitRepository', name: source },
        path,
        interval: '1m',
        prune: true,
        serviceAccountName: 'deployer',
        ...(helm ? { helm } : {}),
      },
    };
    await applyObject(cluster.api, applicationResource, app);
    await eventually(async () => {
      const a = await cluster.api.get<Application>(applicationResource, ns, name);
      expect(condition(a, 'Ready')?.status, condition(a, 'Ready')?.message).toBe('True');
    }, 60_000);
  }

  /** Log lines that say the sandbox refused a write or a read. */
  const refusals = () =>
    ctl.logs.filter((l) => /EROFS|EACCES|read-only file system|permission denied/i.test(JSON.stringify(l)));

  beforeAll(async () => {
    // Not a skip: on a machine where this cannot run, the suite says why and fails.
    if (!isRoot) {
      throw new Error(
        'the read-only root tests need root (a mount namespace and setpriv, as a container runtime)',
      );
    }
    ns = await createNamespace(cluster.api, 'security-ro');
    git = await startGitServers({ httpPassword: HTTP_PASSWORD });
    const repo = await git.createRepo('overlay.git');
    const work = await git.workTree(repo);
    await work.commitAndPush(
      {
        'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rendered}\ndata: {a: "1"}\n',
        'base/kustomization.yaml': 'resources: [cm.yaml]\n',
        'overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: ro-\n',
        'chart/Chart.yaml': 'apiVersion: v2\nname: ro\nversion: 0.1.0\n',
        'chart/values.yaml': 'color: blue\n',
        'chart/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-chart}\ndata:\n  color: {{ .Values.color | quote }}\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
      },
      'overlay',
      repo.remote('git'),
    );
    // The cache dir and TMPDIR: the only writable places, as the emptyDir on /tmp in the pod.
    writable = await mkdtemp(join(tmpdir(), 'sluice-ro-writable-'));
    await chmod(writable, 0o755);
    await mkdir(join(writable, 'cache'));
    await mkdir(join(writable, 'tmp'));
    home = await mkdtemp(join(tmpdir(), 'sluice-ro-home-'));
    await chmod(home, 0o555);
    const sandbox = await readOnlyRoot({
      writable: [join(writable, 'cache'), join(writable, 'tmp')],
      uid: UID,
      // As the Dockerfile creates it: ssh will not run for a uid without a passwd entry.
      passwdUser: { name: 'nonroot', home: '/tmp' },
      binaries: [join(cluster.binDir, 'kustomize'), join(cluster.binDir, 'helm')],
    });
    wrapper = sandbox.wrapper;
    binDir = sandbox.binDir;

    await installSluice(cluster);
    // The controller's own ServiceAccount, with the CA inline: the sandbox user reads no root-only files.
    const token = (
      await cluster.kubectl(['create', 'token', 'sluice-controller', '-n', SLUICE_NAMESPACE, '--duration=1h'])
    ).trim();
    const kubeconfig = join(binDir, 'kubeconfig');
    const { server, ca } = await clusterEndpoint();
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: test, cluster: { server: '${server}', certificate-authority-data: '${ca}' } }]
users: [{ name: sluice-controller, user: { token: '${token}' } }]
contexts: [{ name: test, context: { cluster: test, user: sluice-controller } }]
current-context: test
`,
      { mode: 0o644 },
    );
    await boundServiceAccount(cluster, ns, 'deployer', 'edit');
    await createSecret(cluster.api, ns, 'ssh', {
      identity: git.sshd.clientPrivateKey,
      known_hosts: git.sshd.knownHostsLine,
    });
    await createSecret(cluster.api, ns, 'http', { username: 'sluice', password: HTTP_PASSWORD });
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'over-ssh', { url: repo.urls.ssh, secretRef: { name: 'ssh' } }),
    );
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'over-http', { url: repo.urls.http, secretRef: { name: 'http' } }),
    );
    ctl = await startController({
      kubeconfig,
      namespace: ns,
      wrapper,
      args: [`--cache-dir=${join(writable, 'cache')}`, '--webhook-address='],
      env: {
        HOME: home,
        TMPDIR: join(writable, 'tmp'),
        PATH: `${binDir}:/usr/local/bin:/usr/bin:/bin`,
      },
    });
  });

  afterAll(async () => {
    await ctl?.stop();
    await git?.stop();
    if (ns) await deleteNamespace(cluster.api, ns);
    if (writable) await rm(writable, { recursive: true, force: true });
    if (home) await rm(home, { recursive: true, force: true });
    if (binDir) await rm(join(binDir, '..'), { recursive: true, force: true });
  });

  it('the sandbox holds: uid 65532, no capabilities, nothing writable but two dirs', async () => {
    const probe = await startProbe(
      wrapper,
      [
        'sh',
        '-c',
        `id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
       for p in "$HOME" /tmp /dev/shm /etc "${join(binDir, '..')}" "${process.cwd()}"; do
         touch "$p/.probe" 2>/dev/null && echo "writable: $p"
       done
       touch "$TMPDIR/.probe" && rm "$TMPDIR/.probe" && echo "tmp ok"`,
      ],
      { HOME: home, TMPDIR: join(writable, 'tmp') },
    );
    expect(probe.split('\n').filter(Boolean)).toEqual([
      String(UID),
      'CapEff:\t0000000000000000',
      'NoNewPrivs:\t1',
      'tmp ok',
    ]);
  });

  it('fetches over ssh and http, renders kustomize and applies', async () => {
    for (const name of ['over-ssh', 'over-http']) {
      await eventually(async () => {
        const r = await cluster.api.get<GitRepository>(gitRepositoryResource, ns, name);
        expect(condition(r, 'Ready')?.status, `${name}: ${condition(r, 'Ready')?.message}`).toBe('True');
      }, 60_000);
    }
    await syncApp('overlay', 'over-ssh', 'overlay');
    expect((await cluster.api.get(configMaps, ns, 'ro-rendered')).metadata.name).toBe('ro-rendered');
    expect(refusals()).toEqual([]);
  });

  it('renders a Helm chart with values from a ConfigMap and applies it', async () => {
    await cluster.api.apply(
      configMaps,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ro-values', namespace: ns },
        data: { 'values.yaml': 'color: teal\n' },
      },
      { fieldManager: 'test' },
    );
    await syncApp('chart', 'over-http', 'chart', {
      releaseName: 'ro',
      valuesFrom: [{ kind: 'ConfigMap', name: 'ro-values' }],
    });
    const cm = (await cluster.api.get(configMaps, ns, 'ro-chart')) as { data?: Record<string, string> };
    expect(cm.data?.color).toBe('teal');
    expect(cm.data?.kube).toMatch(/^v1\.\d+\.\d+$/);
    expect(refusals()).toEqual([]);
  });

  it('leaves no key or checkout in its temp dir once a fetch is done', async () => {
    // ssh identities live in TMPDIR only while git runs; the cache holds repos and artifacts.
    await eventually(async () => expect(await readdir(join(writable, 'tmp'))).toEqual([]), 30_000);
    expect((await readdir(join(writable, 'cache'))).sort()).toEqual(['artifacts', 'repos']);
    expect(await readdir(home)).toEqual([]);
    expect((await readdir(writable)).sort()).toEqual(['cache', 'tmp']);
  });
});

async function clusterEndpoint(): Promise<{ server: string; ca: string }> {
  const config = JSON.parse(await cluster.kubectl(['config', 'view', '--raw', '-o', 'json'])) as {
    clusters: {
      cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string };
    }[];
  };
  const c = config.clusters[0]?.cluster;
  if (!c) throw new Error('no cluster in the kubeconfig');
  const ca =
    c['certificate-authority-data'] ?? (await readFile(c['certificate-authority'] ?? '')).toString('base64');
  return { server: c.server, ca };
}

/** Runs a short command under the sandbox and returns its stdout. */
async function startProbe(
  wrapper: string[],
  command: string[],
  env: Record<string, string>,
): Promise<string> {
  const [cmd, ...args] = [...wrapper, ...command];
  return new Promise((resolve, reject) => {
    execFile(cmd as string, args, { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`, { cause: err })) : resolve(stdout),
    );
  });
}
