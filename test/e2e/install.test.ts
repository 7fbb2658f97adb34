import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { applyObject, condition, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const cp = inject('controlPlane');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'sluice-system';
const SA_USER = `system:serviceaccount:${NS}:sluice-controller`;
const SA_GROUPS = ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'];

let tenantNs: string;
let workDir: string;

interface Pod extends KubeObject {
  spec: { nodeName?: string; serviceAccountName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Asks the API server whether the controller's ServiceAccount may do something. */
async function allowed(attrs: {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}): Promise<boolean> {
  const review = await cluster.client.request<{ status: { allowed: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: SA_USER, groups: SA_GROUPS, resourceAttributes: { group: '', ...attrs } },
    },
  });
  return review.status.allowed;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sluice-install-'));
  tenantNs = await createNamespace(cluster.api, 'install');
  await cluster.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'manifests')]);
});

afterAll(async () => {
  await deleteNamespace(cluster.api, tenantNs);
  // Not `delete -k`: that would take the CRDs from every other test file.
  await cluster.kubectl(['delete', '--wait=false', '--ignore-not-found', 'namespace', NS]);
  await cluster.kubectl([
    'delete',
    '--ignore-not-found',
    'clusterrolebinding,clusterrole',
    'sluice-controller',
  ]);
  await rm(workDir, { recursive: true, force: true });
});

describe('kubectl apply -k manifests/', () => {
  it('installs the namespace, ServiceAccounts, RBAC, Service, PDB and a two-replica Deployment', async () => {
    const out = await cluster.kubectl([
      'get',
      '-n',
      NS,
      'serviceaccount/sluice-controller',
      'serviceaccount/sluice-applier',
      'service/sluice-controller',
      'poddisruptionbudget/sluice-controller',
      'role/sluice-controller-leader-election',
      'rolebinding/sluice-controller-leader-election',
      'deployment/sluice-controller',
      '-o',
      'name',
    ]);
    expect(out.trim().split('\n')).toHaveLength(7);
    await cluster.kubectl(['get', 'clusterrole/sluice-controller', 'clusterrolebinding/sluice-controller']);
    const crds = await cluster.kubectl([
      'get',
      'crd',
      '-l',
      'app.kubernetes.io/part-of=sluice',
      '-o',
      'name',
    ]);
    expect(crds.trim().split('\n')).toHaveLength(6);
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
  let ctl: ControllerProcess;

  beforeAll(async () => {
    const token = (
      await cluster.kubectl(['create', 'token', 'sluice-controller', '-n', NS, '--duration=1h'])
    ).trim();
    const kubeconfig = join(workDir, 'sluice-controller.kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: { server: '${cp.server}', certificate-authority: '${cp.caCert}' }
users:
  - name: sluice-controller
    user: { token: '${token}' }
contexts:
  - name: test
    context: { cluster: test, user: sluice-controller }
current-context: test
`,
      { mode: 0o600 },
    );
    ctl = await startController({
      kubeconfig,
      args: ['--leader-elect', `--cache-dir=${join(workDir, 'cache')}`],
      env: { POD_NAMESPACE: NS, POD_NAME: 'install-test' },
    });
  });

  afterAll(async () => {
    if (ctl) expect(await ctl.stop('SIGTERM')).toBe(0);
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
    const forbidden = ctl.logs.filter((l) => /forbidden/i.test(JSON.stringify(l)));
    expect(forbidden).toEqual([]);
  });

  it('writes status and Events as that ServiceAccount', async () => {
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(tenantNs, 'unreachable', { url: 'http://127.0.0.1:9/none.git', ref: { branch: 'main' } }),
    );
    await eventually(async () => {
      const r = await cluster.api.get<GitRepository>(gitRepositoryResource, tenantNs, 'unreachable');
      expect(condition(r, 'Ready')?.status).toBe('False');
    }, 30_000);
    await eventually(async () => {
      const events = await cluster.api.list<KubeObject & { reportingController?: string }>(
        core.events,
        tenantNs,
      );
      expect(events.items.some((e) => e.reportingController === 'sluice.dev/controller')).toBe(true);
    }, 30_000);
    expect(ctl.logs.filter((l) => /forbidden/i.test(JSON.stringify(l)))).toEqual([]);
  });
});

describe('the controller RBAC', () => {
  it('has no wildcard resources or verbs (kubectl auth can-i --list)', async () => {
    for (const ns of [NS, 'default']) {
      const out = await cluster.kubectl(['auth', 'can-i', '--list', `--as=${SA_USER}`, '-n', ns]);
      const rows = out
        .split('\n')
        .slice(1)
        .map((line) => /^(\S*)\s+\[(.*?)\]\s+\[(.*?)\]\s+\[(.*?)\]\s*$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null && m[1] !== '');
      expect(rows.length).toBeGreaterThan(10);
      for (const [, resource, , , verbs] of rows) {
        expect(resource, `resource in: ${out}`).not.toMatch(/^\*|\/\*$|^\*\./);
        expect(verbs, `verbs of ${resource}`).not.toMatch(/(^|\s)\*(\s|$)/);
      }
      const secrets = rows.find((r) => r[1] === 'secrets');
      expect(secrets?.[4]).toBe('get');
    }
  });

  it.each([
    { verb: 'get', resource: 'secrets', namespace: 'default' },
    { verb: 'impersonate', resource: 'serviceaccounts', namespace: 'default', name: 'deployer' },
    { verb: 'patch', group: 'sluice.dev', resource: 'rollouts', subresource: 'status', namespace: 'default' },
    { verb: 'create', group: 'apps', resource: 'replicasets', namespace: 'default' },
    { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'default' },
    { verb: 'patch', group: 'gateway.networking.k8s.io', resource: 'httproutes', namespace: 'default' },
    { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: 'default' },
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: NS },
    {
      verb: 'update',
      group: 'coordination.k8s.io',
      resource: 'leases',
      namespace: NS,
      name: 'sluice-controller-leader',
    },
  ])('may %j', async (attrs) => {
    expect(await allowed(attrs)).toBe(true);
  });

  it.each([
    { verb: 'list', resource: 'secrets', namespace: 'default' },
    { verb: 'watch', resource: 'secrets', namespace: NS },
    { verb: 'create', resource: 'secrets', namespace: NS },
    { verb: 'update', resource: 'secrets', namespace: 'default' },
    { verb: 'delete', resource: 'secrets', namespace: 'default' },
    { verb: 'create', resource: 'namespaces' },
    { verb: 'delete', resource: 'namespaces' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'default' },
    { verb: 'impersonate', resource: 'users' },
    { verb: 'impersonate', resource: 'groups', name: 'system:masters' },
    {
      verb: 'create',
      resource: 'serviceaccounts',
      subresource: 'token',
      namespace: NS,
      name: 'sluice-applier',
    },
    { verb: 'create', resource: 'pods', namespace: 'default' },
    { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'default' },
    { verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default' },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: 'other-lease' },
    { verb: 'create', group: 'sluice.dev', resource: 'gitrepositories', namespace: 'default' },
  ])('may not %j', async (attrs) => {
    expect(await allowed(attrs)).toBe(false);
  });
});
