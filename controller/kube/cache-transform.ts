import type { KubeObject } from './resources.ts';

/** kubectl's client-side apply record: a JSON copy of the whole object, read by nothing here. */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the informer caches keep of an object: all but `metadata.managedFields` and kubectl's
 * last-applied annotation, often more than half of a small object, and read by no reconcile
 * from a cache (spec.ignoreDifferences reads field owners from a GET of the live object).
 * A copy: objects handed to `observe()` stay as their caller has them.
 */
export function withoutBookkeeping<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata as T['metadata'] & { managedFields?: unknown };
  const annotations = meta.annotations;
  const lastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (meta.managedFields === undefined && !lastApplied) return obj;
  const { managedFields: _, ...metadata } = meta;
  if (lastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: __, ...rest } = annotations;
    metadata.annotations = rest;
  }
  return { ...obj, metadata };
}

/**
 * Only what says an object is there: for caches that answer "does it exist?" over a whole
 * kind, whose objects are otherwise never read.
 */
export function nameOnly(obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion } = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(uid ? { uid } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    },
  };
}
