import { isNotFound } from '../kube/errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { createMergePatch } from './merge-patch.ts';

/**
 * Patches the status subresource once, with only what changed since the object was read;
 * no request at all when nothing did. Returns the updated object when a request was made;
 * pass it to `ctx.observe` so the next reconcile does not start from a stale cache.
 */
export async function patchStatus(
  api: ObjectApi,
  rt: ResourceType,
  obj: { metadata: KubeObject['metadata']; status?: unknown },
  status: unknown,
): Promise<KubeObject | undefined> {
  const patch = createMergePatch(obj.status ?? {}, status);
  if (patch === undefined) return undefined;
  try {
    return await api.mergePatch(rt, obj.metadata.namespace, obj.metadata.name, { status: patch }, 'status');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
