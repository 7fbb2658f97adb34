// A tenant cannot use Sluice to reach past its own namespace. The tenant owns namespace A and
// its ServiceAccount `deployer` (admin there); namespace B belongs to someone else and holds a
// powerful ServiceAccount. Each Application below tries one way out: writing into B, a
// cluster-scoped object, granting itself more RBAC, naming B's ServiceAccount, or pruning
// B's objects through a forged inventory. Each is refused by the API server, which checks
// the impersonated ServiceAccount, with a status message saying so (a ServiceAccount name
// that is not a plain name is refused by the CRD schema), and nothing is created.
// The controller runs as its own ServiceAccount with the installed RBAC, as in production.
// install.test.ts covers the plain case (an account without rights in its own namespace).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import type { Condition } from '../../controller/api/meta.ts';
import type { ResourceType } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, type ServedRepo, startGitServers, type WorkTree } from '../support/git/index.ts';
import { installSluice, SLUICE_NAMESPACE, serviceAccountKubeconfig } from '../support/install.ts';
import { applyObject, boundServiceAccount, condition, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const rbacGroup = 'rbac.authorization.k8s.io';
const configMaps: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const clusterRoles: ResourceType = {
  group: rbacGroup,
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
};
const clusterRoleBindings: ResourceType = {
  ...clusterRoles,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
};
const roleBindings: ResourceType = {
  ...clusterRoles,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
};
const roles: ResourceType = { ...clusterRoles, kind: 'Role', plural: 'roles', namespaced: true };
const namespaces: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
};

let a: string;
let b: string;
let suffix: string;
let workDir: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: ControllerProcess;

const yaml = (docs: string[]) => docs.join('---\n');
const cm = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data: {a: "1"}\n`;

function application(name: string, path: string, extra: Partial<Application['spec']> = {}): Application {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: a },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'tenant' },
      path,
      interval: '1m',
      prune: true,
      serviceAccountName: 'deployer',
      ...extra,
    },
  };
}

/** Applies the Application and waits for a final verdict on its current generation. */
async function refused(app: Application): Promise<Condition> {
  await applyObject(cluster.api, applicationResource, app);
  return eventually(async () => {
    const live = await cluster.api.get<Application>(applicationResource, a, app.metadata.name);
    const ready = condition(live, 'Ready');
    expect(ready?.status, ready?.message).toBe('False');
    expect(ready?.message).toMatch(/forbidden/i);
    return ready as Condition;
  }, 60_000);
}

const absent = async (rt: ResourceType, namespace: string | undefined, name: string) =>
  expect(
    await cluster.api.getOrUndefined(rt, namespace, name),
    `${rt.kind} ${namespace ?? ''}/${name}`,
  ).toBeUndefined();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sluice-tenants-'));
  [a, b] = await Promise.all([
    createNamespace(cluster.api, 'tenant-a'),
    createNamespace(cluster.api, 'tenant-b'),
  ]);
  suffix = a.slice(-6);
  await installSluice(cluster);
  await boundServiceAccount(cluster, a, 'deployer', 'admin');
  await boundServiceAccount(cluster, b, 'powerful', 'cluster-admin');
  await cluster.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: v1
kind: ConfigMap
metadata: { name: precious, namespace: ${b} }
data: { a: "1" }
`,
  );
  git = await startGitServers();
  repo = await git.createRepo('tenant.git');
  work = await git.workTree(repo);
  await work.commitAndPush(
    {
      // Into B, next to an object in A: the whole commit is refused, A's object too.
      'cross-namespace/cm.yaml': yaml([cm('innocent'), cm('intruder', b)]),
      'plain/cm.yaml': cm('retargeted'),
      'cluster-scoped/objects.yaml': yaml([
        `apiVersion: v1\nkind: Namespace\nmetadata: {name: tenant-made-${suffix}}\n`,
        `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: tenant-made-${suffix}}\nrules: []\n`,
      ]),
      'cluster-admin-binding/crb.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: tenant-admin-${suffix}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ${a}}]
`,
      // admin in A may bind roles, but only to permissions it holds (RBAC's escalation check).
      'cluster-admin-in-namespace/rb.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer-cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ${a}}]
`,
      'wildcard-role/role.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
`,
      'empty/README.md': 'nothing to apply\n',
    },
    'tenant attempts',
    repo.remote('git'),
  );
  await applyObject(cluster.api, gitRepositoryResource, gitRepository(a, 'tenant', { url: repo.urls.git }));
  const kubeconfig = await serviceAccountKubeconfig(
    cluster,
    SLUICE_NAMESPACE,
    'sluice-controller',
    join(workDir, 'controller.kubeconfig'),
  );
  ctl = await startController({
    kubeconfig,
    namespace: a,
    args: [
      `--cache-dir=${join(workDir, 'cache')}`,
      `--default-service-account=${SLUICE_NAMESPACE}/sluice-applier`,
    ],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
  });
});

afterAll(async () => {
  await ctl?.stop();
  await git?.stop();
  await Promise.all([a, b].filter(Boolean).map((ns) => deleteNamespace(cluster.api, ns)));
  // Cluster-scoped leftovers, were any created (they are not: the tests say so).
  for (const [rt, name] of [
    [namespaces, `tenant-made-${suffix}`],
    [clusterRoles, `tenant-made-${suffix}`],
    [clusterRoleBindings, `tenant-admin-${suffix}`],
  ] as const) {
    await cluster.api.delete(rt, undefined, name).catch(() => undefined);
  }
  await rm(workDir, { recursive: true, force: true });
});

describe('a tenant Application cannot escape its namespace', () => {
  it('writes into another namespace: refused, and nothing of the commit is applied', async () => {
    const ready = await refused(application('cross-namespace', 'cross-namespace'));
    expect(ready.message).toContain(`system:serviceaccount:${a}:deployer`);
    expect(ready.message).toContain(`namespace "${b}"`);
    await absent(configMaps, b, 'intruder');
    await absent(configMaps, a, 'innocent');
  });

  it('sends everything to another namespace with targetNamespace: refused', async () => {
    const ready = await refused(application('retarget', 'plain', { targetNamespace: b }));
    expect(ready.message).toContain(`namespace "${b}"`);
    await absent(configMaps, b, 'retargeted');
  });

  it('creates cluster-scoped objects (a Namespace, a ClusterRole): refused', async () => {
    const ready = await refused(application('cluster-scoped', 'cluster-scoped'));
    expect(ready.message).toMatch(/at the cluster scope/);
    await absent(namespaces, undefined, `tenant-made-${suffix}`);
    await absent(clusterRoles, undefined, `tenant-made-${suffix}`);
  });

  it('binds cluster-admin to itself cluster-wide: refused', async () => {
    const ready = await refused(application('cluster-admin-binding', 'cluster-admin-binding'));
    expect(ready.message).toMatch(/clusterrolebindings/);
    await absent(clusterRoleBindings, undefined, `tenant-admin-${suffix}`);
  });

  it('binds cluster-admin to itself in its own namespace: refused by the escalation check', async () => {
    const ready = await refused(application('cluster-admin-in-namespace', 'cluster-admin-in-namespace'));
    expect(ready.message).toMatch(/escalat|not currently held/i);
    await absent(roleBindings, a, 'deployer-cluster-admin');
  });

  it('writes itself a Role with every permission: refused by the escalation check', async () => {
    const ready = await refused(application('wildcard-role', 'wildcard-role'));
    expect(ready.message).toMatch(/escalat|not currently held/i);
    await absent(roles, a, 'everything');
  });

  it.each([
    ['colon', (ns: string) => `${ns}:powerful`],
    ['user', (ns: string) => `system:serviceaccount:${ns}:powerful`],
    ['path', (ns: string) => `../${ns}/powerful`],
  ] as const)(
    'names the ServiceAccount of another namespace (%s form): refused by the schema',
    async (form, sa) => {
      const app = application(`other-sa-${form}`, 'plain', { serviceAccountName: sa(b), targetNamespace: b });
      const refusal = await applyObject(cluster.api, applicationResource, app).then(
        () => 'accepted',
        (err: unknown) => String(err),
      );
      expect(refusal).toMatch(/spec\.serviceAccountName/);
      expect(await cluster.api.getOrUndefined(applicationResource, a, app.metadata.name)).toBeUndefined();
      await absent(configMaps, b, 'retargeted');
    },
  );

  it('forges an inventory naming an object in another namespace: the prune is refused', async () => {
    const name = 'forged-inventory';
    await applyObject(cluster.api, applicationResource, application(name, 'empty'));
    await eventually(async () => {
      const live = await cluster.api.get<Application>(applicationResource, a, name);
      expect(condition(live, 'Ready')?.status, condition(live, 'Ready')?.message).toBe('True');
    }, 60_000);
    // Whoever may write the status (not a tenant, by default) lists B's ConfigMap as owned;
    // the next revision no longer has it, so the sync prunes it, as the tenant's account.
    await cluster.kubectl([
      'patch',
      'applications.sluice.dev',
      name,
      '-n',
      a,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { inventory: { entries: [{ id: `${b}_precious__ConfigMap`, v: 'v1' }] } } }),
    ]);
    await work.commitAndPush({ 'empty/README.md': 'still nothing\n' }, 'next revision', repo.remote('git'));
    await cluster.kubectl([
      'annotate',
      'gitrepositories.sluice.dev',
      'tenant',
      '-n',
      a,
      '--overwrite',
      `sluice.dev/reconcile-requested-at=${Date.now()}`,
    ]);
    const ready = await eventually(async () => {
      const live = await cluster.api.get<Application>(applicationResource, a, name);
      const c = condition(live, 'Ready');
      expect(c?.status).toBe('False');
      expect(c?.message).toMatch(/forbidden/i);
      return c;
    }, 60_000);
    expect(ready?.message).toContain(`system:serviceaccount:${a}:deployer`);
    expect((await cluster.api.get(configMaps, b, 'precious')).metadata.name).toBe('precious');
  });
});
