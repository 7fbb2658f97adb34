import type { KubeObject } from '../kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../rollouts/labels.ts';
import { type Service, selectedHash } from '../rollouts/services.ts';
import type { DesiredObject } from './manifest.ts';

/**
 * A Rollout pins its stable and canary Services to one ReplicaSet by adding the
 * pod-template-hash to their selector. A Service selector is an atomic map, so applying the
 * selector from git would drop that key and send traffic to every version until the Rollout
 * puts it back. The object sent keeps the live key; drift checks ignore it, since the
 * manifest's fields alone make the compared shape. The live Service is looked up only for
 * Services, so an Application without any starts no watch of them.
 */
export function keepRolloutHash(
  o: DesiredObject,
  liveService: (o: DesiredObject) => Service | undefined,
): KubeObject {
  if (o.kind !== 'Service' || o.apiVersion !== 'v1') return o.object;
  const hash = selectedHash(liveService(o));
  const spec = (o.object.spec ?? {}) as { selector?: Record<string, string> };
  if (!hash || !spec.selector || POD_TEMPLATE_HASH_LABEL in spec.selector) return o.object;
  return {
    ...o.object,
    spec: { ...spec, selector: { ...spec.selector, [POD_TEMPLATE_HASH_LABEL]: hash } },
  };
}
