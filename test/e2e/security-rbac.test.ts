// Exactly what the controller's ServiceAccount may do, as the API server reports it
// (`kubectl auth can-i --list`), compared with a table kept here: a change to manifests/rbac.yaml
// that widens it fails this test and shows in review. Then the escalation paths it must not
// have. install-rbac.test.ts checks individual grants and the absence of wildcards.

import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, testCluster } from '../support/cluster.ts';
import {
  type AccessAttributes,
  CONTROLLER_USER,
  controllerMay,
  installSluice,
  SLUICE_NAMESPACE,
} from '../support/install.ts';

const cluster = testCluster();

/**
 * resource (as kubectl prints it) → verbs, beyond what any ServiceAccount may do. Why each:
 * manifests/README.md, "What the controller may do, and why".
 */
const EVERYWHERE: Record<string, string> = {
  // The sluice.dev kinds: read; status always by merge patch; a standby annotates a
  // GitRepository to hand a webhook push to the leader; Applications and GitRepositories
  // get and lose sluice.dev/finalizer by merge patch.
  'applications.sluice.dev': 'get list watch patch',
  'rollouts.sluice.dev': 'get list watch',
  'analysistemplates.sluice.dev': 'get list watch',
  'clusteranalysistemplates.sluice.dev': 'get list watch',
  'gitrepositories.sluice.dev': 'get list watch patch',
  'helmrepositories.sluice.dev': 'get list watch',
  'analysisruns.sluice.dev': 'get list watch create patch delete',
  'analysisruns.sluice.dev/status': 'patch',
  // Experiments: Rollouts' experiment steps create them; their status is the controller's.
  'experiments.sluice.dev': 'get list watch create patch delete',
  'experiments.sluice.dev/status': 'patch',
  'experiments.sluice.dev/finalizers': 'update',
  'analysisruns.sluice.dev/finalizers': 'update',
  'applications.sluice.dev/status': 'patch',
  'gitrepositories.sluice.dev/status': 'patch',
  'helmrepositories.sluice.dev/status': 'patch',
  'rollouts.sluice.dev/status': 'patch',
  // Notifications: Providers and Alerts read, the delivery cursor in an Alert's status.
  'providers.sluice.dev': 'get list watch',
  'alerts.sluice.dev': 'get list watch',
  'providers.sluice.dev/status': 'patch',
  'alerts.sluice.dev/status': 'patch',
  // OwnerReferencesPermissionEnforcement asks for this to set blockOwnerDeletion.
  'rollouts.sluice.dev/finalizers': 'update',
  // Rollouts: their ReplicaSets, Services' selectors, workloadRef Deployments, routers.
  'replicasets.apps': 'get list watch create patch delete',
  'deployments.apps': 'get list watch patch',
  'pods/eviction': 'create',
  services: 'get list watch create patch delete',
  'ingresses.networking.k8s.io': 'get create patch',
  'trafficsplits.split.smi-spec.io': 'get create patch',
  'httproutes.gateway.networking.k8s.io': 'get patch',
  'virtualservices.networking.istio.io': 'get patch',
  'destinationrules.networking.istio.io': 'get patch',
  'traefikservices.traefik.io': 'get patch',
  'traefikservices.traefik.containo.us': 'get patch',
  'apisixroutes.apisix.apache.org': 'get patch',
  'mappings.getambassador.io': 'get create patch delete',
  // list: a restarted controller replays the Events it still owes notifications for.
  'events.events.k8s.io': 'create list patch',
  // Credentials named by GitRepositories, HelmRepositories, analyses and notification Providers, and the webhook Secret: by name only.
  secrets: 'get',
  // Applications apply as a ServiceAccount; the read is the applied-objects cache.
  serviceaccounts: 'get impersonate list watch',
  // Caches of what Applications apply (drift and health), and CRDs becoming established.
  'customresourcedefinitions.apiextensions.k8s.io': 'get list watch',
  configmaps: 'get list watch',
  namespaces: 'get list watch',
  persistentvolumeclaims: 'get list watch',
  pods: 'get list watch patch',
  'daemonsets.apps': 'get list watch',
  'statefulsets.apps': 'get list watch',
  'horizontalpodautoscalers.autoscaling': 'get list watch',
  'cronjobs.batch': 'get list watch',
  // The job metric provider's Jobs.
  'jobs.batch': 'create delete get list watch',
  'networkpolicies.networking.k8s.io': 'get list watch',
  'poddisruptionbudgets.policy': 'get list watch',
  'rolebindings.rbac.authorization.k8s.io': 'get list watch',
  'roles.rbac.authorization.k8s.io': 'get list watch',
};

/** Only in the controller's own namespace: Leases for leader election or shards and membership. */
const OWN_NAMESPACE: Record<string, string> = {
  'leases.coordination.k8s.io': 'create delete get list update',
};

/** `kubectl auth can-i --list` as a map "resource [names]" → sorted verbs, and the URL rows. */
async function canList(
  user: string,
  namespace: string,
): Promise<{ rules: Map<string, string>; urls: Set<string> }> {
  const out = await cluster.kubectl(['auth', 'can-i', '--list', `--as=${user}`, '-n', namespace]);
  const rules = new Map<string, string>();
  const urls = new Set<string>();
  for (const line of out.split('\n').slice(1)) {
    const m = /^(\S*)\s+\[(.*?)\]\s+\[(.*?)\]\s+\[(.*?)\]\s*$/.exec(line);
    if (!m) continue;
    const [, resource = '', url = '', names = '', verbs = ''] = m;
    if (resource === '') {
      urls.add(`${url} ${verbs}`);
      continue;
    }
    const key = names ? `${resource} [${names}]` : resource;
    const all = new Set([...(rules.get(key)?.split(' ') ?? []), ...verbs.split(' ')].filter(Boolean));
    rules.set(key, [...all].sort().join(' '));
  }
  return { rules, urls };
}

/** What the controller may do in `namespace` beyond a ServiceAccount with no bindings. */
async function grants(namespace: string): Promise<{ rules: Record<string, string>; extraUrls: string[] }> {
  const [controller, nobody] = await Promise.all([
    canList(CONTROLLER_USER, namespace),
    canList(`system:serviceaccount:${namespace}:no-bindings`, namespace),
  ]);
  const rules: Record<string, string> = {};
  for (const [key, verbs] of controller.rules) {
    const base = new Set(nobody.rules.get(key)?.split(' ') ?? []);
    const extra = verbs.split(' ').filter((v) => !base.has(v));
    if (extra.length > 0) rules[key] = extra.join(' ');
  }
  return { rules, extraUrls: [...controller.urls].filter((u) => !nobody.urls.has(u)) };
}

const sortVerbs = (table: Record<string, string>) =>
  Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.split(' ').sort().join(' ')]));

const may = (attrs: AccessAttributes) => controllerMay(cluster, attrs);
const rbac = 'rbac.authorization.k8s.io';
const ns = 'default';

beforeAll(async () => {
  await installSluice(cluster);
  // kube-controller-manager aggregates the ClusterRole a moment after it is applied.
  await eventually(async () => {
    expect(await may({ verb: 'list', resource: 'configmaps' })).toBe(true);
    expect(
      await may({
        verb: 'patch',
        group: 'sluice.dev',
        resource: 'rollouts',
        subresource: 'status',
        namespace: ns,
      }),
    ).toBe(true);
  }, 30_000);
});

describe('the controller may do exactly this', () => {
  it('in any namespace', async () => {
    const { rules, extraUrls } = await grants('default');
    expect(rules).toEqual(sortVerbs(EVERYWHERE));
    expect(extraUrls).toEqual([]);
  });

  it('in its own namespace: that, and its Lease', async () => {
    const { rules, extraUrls } = await grants(SLUICE_NAMESPACE);
    expect(rules).toEqual(sortVerbs({ ...EVERYWHERE, ...OWN_NAMESPACE }));
    expect(extraUrls).toEqual([]);
  });
});

describe('the controller may not escalate', () => {
  it.each<AccessAttributes>([
    // Reading every Secret: it may get one it is told the name of (a GitRepository's
    // secretRef, an analysis credential, the webhook Secret), never enumerate them.
    { verb: 'list', resource: 'secrets' },
    { verb: 'watch', resource: 'secrets', namespace: 'kube-system' },
    { verb: 'list', resource: 'secrets', namespace: SLUICE_NAMESPACE },
    {
      verb: 'create',
      resource: 'serviceaccounts',
      subresource: 'token',
      namespace: 'kube-system',
      name: 'default',
    },
    // Running code: no pods, exec, attach, port-forward, ephemeral containers, node proxy.
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns, name: 'p' },
    { verb: 'get', resource: 'pods', subresource: 'exec', namespace: ns, name: 'p' },
    { verb: 'create', resource: 'pods', subresource: 'attach', namespace: ns, name: 'p' },
    { verb: 'create', resource: 'pods', subresource: 'portforward', namespace: ns, name: 'p' },
    { verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: ns, name: 'p' },
    { verb: 'delete', resource: 'pods', namespace: ns },
    { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'n' },
    { verb: 'create', group: 'apps', resource: 'daemonsets', namespace: ns },
    { verb: 'patch', group: 'apps', resource: 'statefulsets', namespace: ns },
    // RBAC: no grants to itself or to others.
    { verb: 'escalate', group: rbac, resource: 'roles', namespace: ns },
    { verb: 'bind', group: rbac, resource: 'roles', namespace: ns },
    { verb: 'bind', group: rbac, resource: 'clusterroles', name: 'cluster-admin' },
    { verb: 'update', group: rbac, resource: 'clusterroles', name: 'sluice-controller' },
    { verb: 'patch', group: rbac, resource: 'clusterroles', name: 'sluice-controller-core' },
    { verb: 'patch', group: rbac, resource: 'clusterrolebindings', name: 'sluice-controller' },
    { verb: 'create', group: rbac, resource: 'rolebindings', namespace: SLUICE_NAMESPACE },
    // Identity: ServiceAccounts only; for those the API server adds their groups itself.
    { verb: 'impersonate', resource: 'users', name: 'admin' },
    { verb: 'impersonate', resource: 'groups', name: 'system:masters' },
    { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'userextras', subresource: 'scopes' },
    { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'uids', name: '1' },
    { verb: 'create', resource: 'serviceaccounts', namespace: ns },
    { verb: 'create', group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
    {
      verb: 'approve',
      group: 'certificates.k8s.io',
      resource: 'signers',
      name: 'kubernetes.io/kube-apiserver-client',
    },
    // The cluster's shape: admission, API services, CRDs, nodes.
    { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
    { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies' },
    { verb: 'create', group: 'apiregistration.k8s.io', resource: 'apiservices' },
    { verb: 'update', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: 'patch', resource: 'nodes' },
    // Tenants' own objects: it never deletes them or writes them whole (a PUT).
    { verb: 'delete', group: 'sluice.dev', resource: 'applications', namespace: ns },
    { verb: 'update', group: 'sluice.dev', resource: 'applications', namespace: ns },
    { verb: 'update', group: 'sluice.dev', resource: 'rollouts', namespace: ns },
    { verb: 'delete', group: 'sluice.dev', resource: 'gitrepositories', namespace: ns },
    { verb: 'patch', resource: 'configmaps', namespace: ns },
  ])('no: %j', async (attrs) => {
    expect(await may(attrs)).toBe(false);
  });

  it('may impersonate ServiceAccounts, the accounts Applications apply as, and nothing else', async () => {
    const sa = (namespace: string, name: string) => ({
      verb: 'impersonate',
      resource: 'serviceaccounts',
      namespace,
      name,
    });
    expect(await may(sa('team-a', 'deployer'))).toBe(true);
    expect(await may(sa(SLUICE_NAMESPACE, 'sluice-applier'))).toBe(true);
    const impersonable = Object.entries((await grants(ns)).rules)
      .filter(([, verbs]) => verbs.split(' ').includes('impersonate'))
      .map(([resource]) => resource);
    expect(impersonable).toEqual(['serviceaccounts']);
  });
});
