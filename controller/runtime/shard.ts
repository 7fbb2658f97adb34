import type { Informer } from '../kube/informer.ts';
import { matchesLabels } from '../kube/label-selector.ts';
import { type KubeObject, objectKey, type ResourceType } from '../kube/resources.ts';
import type { InformerFactory } from './informers.ts';

/**
 * Which objects of a kind cached whole belong to this replica's shard (--watch-label-selector):
 * one a Rollout or Experiment controls goes where its owner goes, so a Rollout's AnalysisRuns
 * and Experiments move with it; any other object must match the selector itself. Undefined
 * when the controller is not sharded.
 *
 * `wake` is told the keys of `owned` objects whose owner has just entered the shard (a label
 * changed), which no event of their own would bring.
 */
export function ownerShard(
  informers: InformerFactory,
  ownerKinds: ResourceType[],
  owned: Informer<KubeObject>,
  wake: (key: string) => void,
): ((obj: KubeObject) => boolean) | undefined {
  const selector = informers.shardSelector;
  if (!selector) return undefined;
  const owners = new Map(ownerKinds.map((rt) => [rt.kind, { rt, cache: informers.for<KubeObject>(rt) }]));
  const controllingOwner = (obj: KubeObject) =>
    obj.metadata.ownerReferences?.find(
      (r) => r.controller && r.apiVersion.startsWith(`${owners.get(r.kind)?.rt.group}/`),
    );
  const inShard = (obj: KubeObject): boolean => {
    const ref = controllingOwner(obj);
    if (!ref) return matchesLabels(selector, obj.metadata.labels);
    const owner = owners.get(ref.kind)?.cache.get(`${obj.metadata.namespace}/${ref.name}`);
    return owner?.metadata.uid === ref.uid && inShard(owner);
  };
  const wakeDescendants = (uid: string | undefined) => {
    for (const o of owned.ownedBy(uid)) wake(objectKey(o));
    for (const { cache } of owners.values())
      for (const o of cache.ownedBy(uid)) wakeDescendants(o.metadata.uid);
  };
  for (const { cache } of owners.values()) {
    cache.on('add', (owner) => wakeDescendants(owner.metadata.uid));
    cache.on('update', (owner, old) => {
      if (!inShard(old ?? owner) && inShard(owner)) wakeDescendants(owner.metadata.uid);
    });
  }
  return inShard;
}
