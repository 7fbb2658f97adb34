// Services a Rollout points at its versions by adding the pod-template-hash to their
// selector: stableService / canaryService for a canary, activeService / previewService for
// blue-green. Only that one selector key is written (a merge patch), so the rest of the
// Service stays with whoever manages it.

import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from './labels.ts';

export interface Service extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

export function selectedHash(svc: Service | undefined): string | undefined {
  return svc?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
}

function selectorPatch(hash: string): unknown {
  return { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: hash } } };
}

export function patchSelector(api: ObjectApi, svc: Service, hash: string): Promise<Service> {
  return api.mergePatch<Service>(
    core.services,
    svc.metadata.namespace,
    svc.metadata.name,
    selectorPatch(hash),
  );
}
