// Our finalizer on the kinds that clean up after themselves. Both writes send the
// resourceVersion they read, so a finalizer another party added or removed meanwhile is
// never overwritten: the 409 retries from fresh data.

import { isNotFound } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';

/** Held by Applications and GitRepositories until their deletion has been handled. */
export const FINALIZER = 'sluice.dev/finalizer';

export function holdsFinalizer(obj: KubeObject, finalizer = FINALIZER): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

function writeFinalizers<T extends KubeObject>(
  api: ObjectApi,
  rt: ResourceType,
  obj: T,
  finalizers: string[],
): Promise<T> {
  return api.mergePatch<T>(rt, obj.metadata.namespace, obj.metadata.name, {
    metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers },
  });
}

/** Adds the finalizer; returns the object as written. */
export function addFinalizer<T extends KubeObject>(
  api: ObjectApi,
  rt: ResourceType,
  obj: T,
  finalizer = FINALIZER,
): Promise<T> {
  return writeFinalizers(api, rt, obj, [...(obj.metadata.finalizers ?? []), finalizer]);
}

/** Removes the finalizer; the object may be gone at once. A 404 means it already is. */
export async function removeFinalizer<T extends KubeObject>(
  api: ObjectApi,
  rt: ResourceType,
  obj: T,
  finalizer = FINALIZER,
): Promise<T | undefined> {
  try {
    return await writeFinalizers(
      api,
      rt,
      obj,
      (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer),
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
