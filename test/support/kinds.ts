import type { GitRepository } from '../../controller/api/git-repository.ts';
import type { Condition } from '../../controller/api/meta.ts';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import { core, type ResourceType } from '../../controller/kube/resources.ts';

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
