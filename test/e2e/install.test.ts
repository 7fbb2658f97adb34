import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, startGitServers } from '../support/git/index.ts';
import { installSluice, SLUICE_NAMESPACE as NS, serviceAccountKubeconfig } from '../support/install.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';

// `kubectl apply -k manifests/` on the test control plane, then the controller itself running
// as the ServiceAccount it installs: proof that the RBAC is enough (install-rbac.test.ts
// checks that it is not more).

const cluster = testCluster();
const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
let tenantNs: string;
let workDir: string;
let git: GitServers;
let ctl: ControllerProcess;

interface Pod extends KubeObject {
  spec: { nodeName?: string; serviceAccountName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;
// This controller watches every namespace, so it also meets other files' objects, some of
// them refused on purpose (security-tenants.test.ts): only lines about its own count.
const forbidden = () =>
  ctl.logs.filter(
    (l) => (l.namespace === undefined || l.namespace === tenantNs) && /forbidden/i.test(JSON.stringify(l)),
  );

function application(name: string, path: string, serviceAccountName?: string): Application {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: tenantNs },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      path,
      interval: '1m',
      prune: true,
      serviceAccountName,
    },
  };
}

const readyCondition = async (name: string) =>
  condition(await cluster.api.get<Application>(applicationResource, tenantNs, name), 'Ready');

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sluice-install-'));
  tenantNs = await createNamespace(cluster.api, 'install');
  git = await startGitServers();
  const repo = await git.createRepo('tenant.git');
  const work = await git.workTree(repo);
  await work.commitAndPush(
    { 'by-default/cm.yaml': cm('by-default'), 'own/cm.yaml': cm('own'), 'nobody/cm.yaml': cm('nobody') },
    'tenant config',
    repo.remote('git'),
  );
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(tenantNs, 'repo', { url: repo.urls.git }),
  );
  await installSluice(cluster);
});

afterAll(async () => {
  if (ctl) expect(await ctl.stop('SIGTERM')).toBe(0);
  await git?.stop();
  await deleteNamespace(cluster.api, tenantNs);
  await rm(workDir, { recursive: true, force: true });
});

describe('kubectl apply -k manifests/', () => {
  it('installs the namespace, ServiceAccounts, RBAC, Service, PDB, Deployment and CRDs', async () => {
    const names = [
      'serviceaccount/sluice-controller',
      'serviceaccount/sluice-applier',
      'service/sluice-controller',
      'poddisruptionbudget/sluice-controller',
      'role/sluice-controller-leader-election',
      'rolebinding/sluice-controller-leader-election',
      'deployment/sluice-controller',
    ];
    const out = await cluster.kubectl(['get', '-n', NS, ...names, '-o', 'name']);
    expect(out.trim().split('\n')).toHaveLength(names.length);
    await cluster.kubectl(['get', 'clusterrole/sluice-controller', 'clusterrolebinding/sluice-controller']);
    const crds = await cluster.kubectl([
      'get',
      'crd',
      '-l',
      'app.kubernetes.io/part-of=sluice',
      '-o',
      'name',
    ]);
    // One per file in crds/: every kind the controller serves is installed.
    const files = readdirSync(new URL('../../crds/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
    expect(crds.trim().split('\n')).toHaveLength(files.length);
  });

  it('runs two Ready replicas, spread over nodes, under the restricted Pod Security Standard', async () => {
    await cluster.kubectl(['rollout', 'status', '-n', NS, 'deployment/sluice-controller', '--timeout=90s']);
    const pods = await eventually(async () => {
      const list = await cluster.api.list<Pod>(core.pods, NS, {
        labelSelector: 'app.kubernetes.io/name=sluice-controller',
      });
      const ready = list.items.filter((p) =>
        (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      expect(ready).toHaveLength(2);
      return ready;
    }, 60_000);
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(2);
    expect(pods.every((p) => p.spec.serviceAccountName === 'sluice-controller')).toBe(true);
    const nsObj = await cluster.api.get(core.namespaces, undefined, NS);
    expect(nsObj.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('the controller running as its ServiceAccount', () => {
  beforeAll(async () => {
    const kubeconfig = await serviceAccountKubeconfig(
      cluster,
      NS,
      'sluice-controller',
      join(workDir, 'sluice-controller.kubeconfig'),
    );
    // As the Deployment runs it (manifests/deployment.yaml).
    // Confined to the tenant namespace: other files' objects share this control plane. That
    // the ClusterRole allows watching every namespace is install-rbac.test.ts's to check.
    ctl = await startController({
      kubeconfig,
      namespace: tenantNs,
      args: [
        '--leader-elect',
        `--cache-dir=${join(workDir, 'cache')}`,
        `--default-service-account=${NS}/sluice-applier`,
        // The read-only dashboard, reading with this ServiceAccount too.
        '--dashboard-address=127.0.0.1:0',
      ],
      env: { POD_NAMESPACE: NS, POD_NAME: 'install-test', PATH: `${cluster.binDir}:${process.env.PATH}` },
    });
  });

  it('syncs its caches, takes the Lease and reports ready: the RBAC is enough to start', async () => {
    await eventually(async () => {
      expect((await fetch(`${ctl.probeUrl}/readyz`)).status).toBe(200);
    }, 30_000);
    await ctl.waitForLog((l) => l.msg === 'became leader');
    await ctl.waitForLog((l) => l.msg === 'starting controllers');
    const lease = await cluster.api.get<KubeObject & { spec: { holderIdentity?: string } }>(
      core.leases,
      NS,
      'sluice-controller-leader',
    );
    expect(lease.spec.holderIdentity).toBe('install-test');
    expect(forbidden()).toEqual([]);
  });

  it('fetches, and writes status and Events', async () => {
    await eventually(async () => {
      const r = await cluster.api.get<GitRepository>(gitRepositoryResource, tenantNs, 'repo');
      expect(condition(r, 'Ready')?.status, condition(r, 'Ready')?.message).toBe('True');
    }, 30_000);
    await eventually(async () => {
      const events = await cluster.api.list<KubeObject & { reportingController?: string }>(
        core.events,
        tenantNs,
      );
      expect(events.items.some((e) => e.reportingController === 'sluice.dev/controller')).toBe(true);
    }, 30_000);
    expect(forbidden()).toEqual([]);
  });

  it('applies as sluice-system/sluice-applier when an Application names no ServiceAccount', async () => {
    await cluster.kubectl(
      ['apply', '-f', '-'],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: sluice-applier, namespace: ${tenantNs} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit }
subjects: [{ kind: ServiceAccount, name: sluice-applier, namespace: ${NS} }]
`,
    );
    await applyObject(cluster.api, applicationResource, application('by-default', 'by-default'));
    await eventually(async () => {
      const ready = await readyCondition('by-default');
      expect(ready?.status, ready?.message).toBe('True');
    }, 45_000);
    const live = await cluster.api.get(configMaps, tenantNs, 'by-default');
    expect(live.metadata.name).toBe('by-default');
    // Health comes from the controller's own cache of ConfigMaps: readable, no 403 retries.
    await eventually(async () => {
      const app = await cluster.api.get<Application>(applicationResource, tenantNs, 'by-default');
      expect(app.status?.health).toBe('Healthy');
    }, 30_000);
    expect(forbidden()).toEqual([]);
  });

  it('serves the read-only dashboard with what this ServiceAccount may read', async () => {
    const url = String((await ctl.waitForLog((l) => l.msg === 'dashboard listening (read-only)')).url);
    // Every list the pages read is in, none refused; the Application and what it applied show.
    const overview = await dashboardState(url, 'page=overview', (s) => s.pending.length === 0);
    expect(JSON.stringify(overview)).toContain('"name":"by-default"');
    const app = await dashboardState(
      url,
      `page=application&ns=${tenantNs}&name=by-default`,
      (s) => s.pending.length === 0 && JSON.stringify(s.view).includes('"health":"Healthy"'),
    );
    expect(JSON.stringify(app.view)).toContain('"kind":"ConfigMap"');
    const rollout = await dashboardState(url, `page=rollout&ns=${tenantNs}&name=none`, (s) => !s.found);
    expect(rollout.pending).toEqual([]);
    // The trail reads Events, which the controller may list.
    const trail = await fetch(`${url}api/trail/${tenantNs}/by-default`);
    expect(trail.status).toBe(200);
    expect(((await trail.json()) as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
    expect(forbidden()).toEqual([]);
  });

  it("applies as the Application's own ServiceAccount, and no further than it may", async () => {
    await cluster.kubectl(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ${tenantNs} }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: nobody, namespace: ${tenantNs} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: deployer, namespace: ${tenantNs} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: ${tenantNs} }]
`,
    );
    await applyObject(cluster.api, applicationResource, application('own', 'own', 'deployer'));
    await applyObject(cluster.api, applicationResource, application('nobody', 'nobody', 'nobody'));
    await eventually(async () => {
      const ready = await readyCondition('own');
      expect(ready?.status, ready?.message).toBe('True');
    }, 45_000);
    expect((await cluster.api.get(configMaps, tenantNs, 'own')).metadata.name).toBe('own');
    const refused = await eventually(async () => {
      const ready = await readyCondition('nobody');
      expect(ready?.status).toBe('False');
      expect(ready?.message).toMatch(/forbidden/i);
      return ready;
    }, 45_000);
    expect(refused?.message).toContain(`system:serviceaccount:${tenantNs}:nobody`);
    expect(await cluster.api.getOrUndefined(configMaps, tenantNs, 'nobody')).toBeUndefined();
  });
});

interface StreamedState {
  pending: { resource: string; error?: string }[];
  view?: unknown;
  found: boolean;
}

/** Reads a dashboard page's event stream until a state satisfies `done`. */
async function dashboardState(
  url: string,
  query: string,
  done: (s: StreamedState) => boolean,
): Promise<StreamedState> {
  const res = await fetch(`${url}api/events?${query}`, { signal: AbortSignal.timeout(60_000) });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error(`the stream ${query} ended`);
      text += Buffer.from(value).toString();
      for (
        let m = /event: state\ndata: (.*)\n\n/.exec(text);
        m;
        m = /event: state\ndata: (.*)\n\n/.exec(text)
      ) {
        text = text.slice(m.index + m[0].length);
        const state = JSON.parse(m[1] as string) as StreamedState;
        const refused = state.pending.filter((p) => p.error);
        if (refused.length > 0) throw new Error(`the dashboard cannot list: ${JSON.stringify(refused)}`);
        if (done(state)) return state;
      }
    }
  } finally {
    await reader.cancel();
  }
}
