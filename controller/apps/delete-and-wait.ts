import { isNotFound } from '../kube/api-errors.ts';
import type { Impersonation } from '../kube/client.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { ResourceType } from '../kube/resources.ts';

const DELETE_WAIT_MS = 30_000;

/**
 * Deletes an object and waits until it is gone, so one of the same name can be created
 * (a hook run again, an object re-created for an immutable field). True if it existed.
 */
export async function deleteAndWait(
  api: ObjectApi,
  rt: ResourceType,
  namespace: string | undefined,
  name: string,
  opts: { impersonate?: Impersonation | undefined; propagationPolicy?: 'Foreground' } = {},
): Promise<boolean> {
  const { impersonate, propagationPolicy } = opts;
  const existed = await api.delete(rt, namespace, name, {
    ...(impersonate ? { impersonate } : {}),
    ...(propagationPolicy ? { propagationPolicy } : {}),
  });
  if (!existed) return false;
  const deadline = Date.now() + DELETE_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      await api.get(rt, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}
