import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { isNotFound } from '../../controller/kube/api-errors.ts';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import { core } from '../../controller/kube/resources.ts';

const run = promisify(execFile);

export interface TestCluster {
  kubeconfig: string;
  binDir: string;
  client: KubeClient;
  api: ObjectApi;
  kubectl(args: string[], input?: string): Promise<string>;
}

export function testCluster(): TestCluster {
  const cp = inject('controlPlane');
  const client = new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig }));
  return {
    kubeconfig: cp.kubeconfig,
    binDir: cp.binDir,
    client,
    api: new ObjectApi(client),
    kubectl: (args, input) => kubectl(cp.binDir, cp.kubeconfig, args, input),
  };
}

export async function kubectl(
  binDir: string,
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<string> {
  const p = run(join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], { maxBuffer: 64 << 20 });
  if (input !== undefined) p.child.stdin?.end(input);
  else p.child.stdin?.end();
  try {
    return (await p).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`kubectl ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** A fresh namespace for one test file, ready for pods (its default ServiceAccount exists). */
export async function createNamespace(api: ObjectApi, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const sa = {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
  };
  await eventually(async () => {
    await api.get(sa, name, 'default');
  }, 30_000);
  return name;
}

/**
 * Deletes a test file's namespace. Its Applications and GitRepositories hold the
 * controller's finalizer, and files stop their controller first: the finalizers are taken
 * off, or the namespace would stay Terminating on the shared control plane for good.
 */
export async function deleteNamespace(api: ObjectApi, name: string): Promise<void> {
  try {
    await api.delete(core.namespaces, undefined, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  for (const rt of [applicationResource, gitRepositoryResource]) {
    const { items } = await api.list(rt, name).catch(() => ({ items: [] }));
    for (const obj of items) {
      if (!obj.metadata.finalizers?.length) continue;
      await api.mergePatch(rt, name, obj.metadata.name, { metadata: { finalizers: null } }).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
}

/** Retries `fn` until it stops throwing, then returns its value; rethrows the last error on timeout. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw last instanceof Error ? last : new Error(String(last));
}
