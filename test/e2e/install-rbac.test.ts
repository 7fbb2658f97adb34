import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, testCluster } from '../support/cluster.ts';
import {
  type AccessAttributes,
  CONTROLLER_USER,
  controllerMay,
  installSluice,
  SLUICE_NAMESPACE as NS,
} from '../support/install.ts';

// What manifests/rbac.yaml lets the controller do, asked of the API server itself: enough
// is proven by install.test.ts running the controller as its ServiceAccount; not more is
// proven here.

const cluster = testCluster();
const allowed = (attrs: Attrs) => controllerMay(cluster, attrs);
type Attrs = AccessAttributes;

const rbac = 'rbac.authorization.k8s.io';
const leases = 'coordination.k8s.io';

beforeAll(async () => {
  await installSluice(cluster);
  // The ClusterRole is aggregated by kube-controller-manager, a moment after it is applied.
  await eventually(async () => {
    expect(await allowed({ verb: 'list', resource: 'configmaps' })).toBe(true);
    expect(await allowed({ verb: 'create', group: 'apps', resource: 'replicasets', namespace: 'x' })).toBe(
      true,
    );
  }, 30_000);
});

describe('the controller RBAC', () => {
  it('has no wildcard resources or verbs (kubectl auth can-i --list)', async () => {
    for (const ns of [NS, 'default']) {
      const out = await cluster.kubectl(['auth', 'can-i', '--list', `--as=${CONTROLLER_USER}`, '-n', ns]);
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
      expect(rows.find((r) => r[1] === 'secrets')?.[4]).toBe('get');
    }
  });

  it.each<Attrs>([
    { verb: 'get', resource: 'secrets', namespace: 'default' },
    { verb: 'impersonate', resource: 'serviceaccounts', namespace: 'default', name: 'deployer' },
    { verb: 'patch', group: 'sluice.dev', resource: 'rollouts', subresource: 'status', namespace: 'default' },
    { verb: 'create', group: 'apps', resource: 'replicasets', namespace: 'default' },
    { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'default' },
    { verb: 'patch', group: 'gateway.networking.k8s.io', resource: 'httproutes', namespace: 'default' },
    { verb: 'watch', resource: 'configmaps' },
    { verb: 'list', group: 'batch', resource: 'jobs' },
    { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: 'default' },
    { verb: 'create', group: leases, resource: 'leases', namespace: NS },
    { verb: 'update', group: leases, resource: 'leases', namespace: NS, name: 'sluice-controller-leader' },
    // --sharding=auto: shard Leases, and membership Leases named after the pods.
    { verb: 'list', group: leases, resource: 'leases', namespace: NS },
    { verb: 'update', group: leases, resource: 'leases', namespace: NS, name: 'sluice-shard-3' },
    { verb: 'delete', group: leases, resource: 'leases', namespace: NS, name: 'sluice-member-gone' },
  ])('may %j', async (attrs) => {
    expect(await allowed(attrs)).toBe(true);
  });

  it.each<Attrs>([
    { verb: 'list', resource: 'secrets', namespace: 'default' },
    { verb: 'watch', resource: 'secrets', namespace: NS },
    { verb: 'create', resource: 'secrets', namespace: NS },
    { verb: 'update', resource: 'secrets', namespace: 'default' },
    { verb: 'delete', resource: 'secrets', namespace: 'default' },
    { verb: 'create', resource: 'configmaps', namespace: 'default' },
    { verb: 'create', resource: 'namespaces' },
    { verb: 'delete', resource: 'namespaces' },
    { verb: 'create', group: rbac, resource: 'clusterroles' },
    { verb: 'escalate', group: rbac, resource: 'clusterroles' },
    { verb: 'bind', group: rbac, resource: 'clusterroles' },
    { verb: 'create', group: rbac, resource: 'clusterrolebindings' },
    { verb: 'create', group: rbac, resource: 'rolebindings', namespace: 'default' },
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
    { verb: 'create', group: leases, resource: 'leases', namespace: 'default' },
    { verb: 'update', group: leases, resource: 'leases', namespace: 'default', name: 'sluice-shard-0' },
    { verb: 'list', group: leases, resource: 'leases', namespace: 'default' },
    { verb: 'create', group: 'sluice.dev', resource: 'gitrepositories', namespace: 'default' },
  ])('may not %j', async (attrs) => {
    expect(await allowed(attrs)).toBe(false);
  });
});
