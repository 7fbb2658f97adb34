import { isNotFound } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { createMergePatch } from './merge-patch.ts';

interface StatusPatchOptions {
  /**
   * Send the resourceVersion the reconcile read: if anyone wrote the object since (a person's
   * promote or abort, a stale cache), the API server answers 409 and the reconcile runs again
   * from fresh data instead of overwriting what it never saw.
   */
  guardResourceVersion?: boolean;
}

/**
 * The one status writer. Patches the status subresource once, with only what changed since
 * the object was read; no request at all when nothing did. Returns the updated object when a
 * request was made; pass it to `ctx.observe` so the next reconcile does not start from a stale
 * cache.
 *
 * A 404 means the object was deleted after it was read: there is nobody left to tell, and its
 * delete event ends its work, so the write is dropped rather than retried.
 */
export async function patchStatus<T extends KubeObject>(
  api: ObjectApi,
  rt: ResourceType,
  obj: { metadata: KubeObject['metadata']; status?: unknown },
  status: unknown,
  options: StatusPatchOptions = {},
): Promise<T | undefined> {
  const patch = createMergePatch(obj.status ?? {}, status ?? {});
  if (patch === undefined) return undefined;
  const body = options.guardResourceVersion
    ? { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: patch }
    : { status: patch };
  try {
    return await api.mergePatch<T>(rt, obj.metadata.namespace, obj.metadata.name, body, 'status');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
