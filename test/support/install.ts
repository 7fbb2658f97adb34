import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { TestCluster } from './cluster.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const SLUICE_NAMESPACE = 'sluice-system';
export const CONTROLLER_USER = `system:serviceaccount:${SLUICE_NAMESPACE}:sluice-controller`;

/**
 * `kubectl apply --server-side -k manifests/`, as users install Sluice. Idempotent, so every
 * test file that needs the installation applies it; none removes it, since files run in
 * parallel and the control plane goes away with the run.
 */
export async function installSluice(cluster: TestCluster): Promise<void> {
  await cluster.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'manifests')]);
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
