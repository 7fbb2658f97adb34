import type { OwnerReference } from '../api/meta.ts';
import type { Rollout } from '../api/rollout.ts';
import { rolloutResource } from '../api/rollout.ts';
import type { KubeObject } from '../kube/resources.ts';

/** The ownerReference that makes a Rollout the controller of an object it creates. */
export function controllerRef(ro: Rollout): OwnerReference {
  return rolloutOwnerRef(ro.metadata.name, ro.metadata.uid ?? '');
}

/** The same, from a Rollout's name and uid (traffic routers know only those). */
export function rolloutOwnerRef(name: string, uid: string): OwnerReference {
  return {
    apiVersion: `${rolloutResource.group}/${rolloutResource.version}`,
    kind: rolloutResource.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The uid of the object's controlling owner, if that owner is a Rollout. */
export function controllingRollout(obj: KubeObject): { name: string; uid: string } | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === rolloutResource.kind);
  return ref?.apiVersion.startsWith(`${rolloutResource.group}/`)
    ? { name: ref.name, uid: ref.uid }
    : undefined;
}

export function isOwnedBy(obj: KubeObject, ro: Rollout): boolean {
  return controllingRollout(obj)?.uid === ro.metadata.uid;
}
