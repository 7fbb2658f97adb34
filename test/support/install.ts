import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { waitForCondition } from '../control-plane/wait-condition.ts';
import type { TestCluster } from './cluster.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const SLUICE_NAMESPACE = 'sluice-system';
export const CONTROLLER_USER = `system:serviceaccount:${SLUICE_NAMESPACE}:sluice-controller`;
const CONTROLLER_GROUPS = [
  'system:serviceaccounts',
  `system:serviceaccounts:${SLUICE_NAMESPACE}`,
  'system:authenticated',
];

/** A request to authorise, as in a SubjectAccessReview's resourceAttributes. */
export interface AccessAttributes {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Asks the API server whether the controller's ServiceAccount may do this. */
export async function controllerMay(cluster: TestCluster, attrs: AccessAttributes): Promise<boolean> {
  const review = await cluster.client.request<{ status: { allowed: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: CONTROLLER_USER, groups: CONTROLLER_GROUPS, resourceAttributes: { group: '', ...attrs } },
    },
  });
  return review.status.allowed;
}

/**
 * `kubectl apply --server-side -k manifests/`, as users install Sluice. Idempotent, so every
 * test file that needs the installation applies it; none removes it, since files run in
 * parallel and the control plane goes away with the run.
 */
export async function installSluice(cluster: TestCluster): Promise<void> {
  await cluster.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'manifests')]);
  // The CRDs may be new to this control plane: objects of their kinds are refused until then.
  await waitForCondition(cluster.kubectl, ['-f', join(repoRoot, 'crds')], 'Established');
}

/** A kubeconfig that authenticates as a ServiceAccount, with a token from the TokenRequest API. */
export async function serviceAccountKubeconfig(
  cluster: TestCluster,
  namespace: string,
  name: string,
  path: string,
): Promise<string> {
  const cp = inject('controlPlane');
  const token = (await cluster.kubectl(['create', 'token', name, '-n', namespace, '--duration=1h'])).trim();
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: { server: '${cp.server}', certificate-authority: '${cp.caCert}' }
users:
  - name: ${name}
    user: { token: '${token}' }
contexts:
  - name: test
    context: { cluster: test, user: ${name} }
current-context: test
`,
    { mode: 0o600 },
  );
  return path;
}
