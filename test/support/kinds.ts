import type { GitRepository } from '../../controller/api/git-repository.ts';
import type { Condition } from '../../controller/api/meta.ts';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import { core, type ResourceType } from '../../controller/kube/resources.ts';
import type { TestCluster } from './cluster.ts';

/** Reads an object's condition of a type (undefined while absent). */
export function condition(
  obj: { status?: { conditions?: Condition[] } },
  type: string,
): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

export async function createSecret(
  api: ObjectApi,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  await api.apply(core.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    data: encoded,
  });
}

export function gitRepository(
  namespace: string,
  name: string,
  spec: Partial<GitRepository['spec']> & { url: string },
): GitRepository {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: { interval: '1m', ...spec },
  };
}

export async function applyObject(
  api: ObjectApi,
  rt: ResourceType,
  obj: { metadata: { name: string } },
): Promise<void> {
  await api.apply(rt, obj as never, { fieldManager: 'test' });
}

/** A ServiceAccount bound to a ClusterRole (edit, admin…) in its own namespace: an applier. */
export async function boundServiceAccount(
  cluster: TestCluster,
  namespace: string,
  name: string,
  clusterRole: string,
): Promise<void> {
  await cluster.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: v1
kind: ServiceAccount
metadata: { name: ${name}, namespace: ${namespace} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name}-${clusterRole}, namespace: ${namespace} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${clusterRole} }
subjects: [{ kind: ServiceAccount, name: ${name}, namespace: ${namespace} }]
`,
  );
}

/** A ServiceAccount that may do anything to ConfigMaps in its namespace and nothing else: a limited tenant. */
export async function configMapsOnlyAccount(
  cluster: TestCluster,
  namespace: string,
  name: string,
): Promise<void> {
  await cluster.kubectl(['create', 'serviceaccount', '-n', namespace, name]);
  await cluster.kubectl(['create', 'role', '-n', namespace, name, '--verb=*', '--resource=configmaps']);
  await cluster.kubectl([
    'create',
    'rolebinding',
    '-n',
    namespace,
    name,
    `--role=${name}`,
    `--serviceaccount=${namespace}:${name}`,
  ]);
}
