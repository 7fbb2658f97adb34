// Traefik (Argo Rollouts' `traefik.weightedTraefikServiceName`): the weights of the stable and
// canary Services in a weighted TraefikService, which the user's IngressRoute sends to.

import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import {
  getRoutedFirst,
  type RouterTarget,
  type TrafficRouter,
  TrafficRouterError,
  totalWeight,
} from '../router.ts';
import { type BackendSlot, BackendWeightsRouter } from '../weighted-backends.ts';

const traefikService = (group: string): ResourceType => ({
  group,
  version: 'v1alpha1',
  kind: 'TraefikService',
  plural: 'traefikservices',
  namespaced: true,
});

/** traefik.io (Traefik 2.10 and later) first; traefik.containo.us for older installs. */
export const traefikServices = [traefikService('traefik.io'), traefikService('traefik.containo.us')];

interface WeightedService {
  name: string;
  kind?: string;
  namespace?: string;
  weight?: number;
}

export interface TraefikService extends KubeObject {
  spec?: { weighted?: { services?: WeightedService[] } };
}

/** The weighted entries for the stable and canary Services, or an error naming what is missing. */
export function traefikServiceSlots(ts: TraefikService, target: RouterTarget): BackendSlot[] {
  const services = ts.spec?.weighted?.services ?? [];
  const where = `TraefikService ${target.namespace}/${ts.metadata.name}`;
  const slots: BackendSlot[] = [];
  for (const [svc, role] of [
    [target.stableService, 'stable'],
    [target.canaryService, 'canary'],
  ] as const) {
    const i = services.findIndex(
      (s) =>
        s.name === svc &&
        (s.kind ?? 'Service') === 'Service' &&
        (s.namespace ?? target.namespace) === target.namespace,
    );
    if (i < 0) {
      throw new TrafficRouterError(
        'TraefikServiceNotManaged',
        `${where} has no spec.weighted.services entry for Service ${svc}`,
      );
    }
    const pointer = `/spec/weighted/services/${i}`;
    slots.push({ pointer, testPath: `${pointer}/name`, testValue: svc, role, weight: services[i]?.weight });
  }
  return slots;
}

export function traefikRouter(api: ObjectApi, target: RouterTarget, name: string): TrafficRouter {
  return new BackendWeightsRouter('traefik', api, totalWeight(target), async () => {
    const { rt, obj } = await getRoutedFirst<TraefikService>(api, traefikServices, target.namespace, name);
    return [{ rt, namespace: target.namespace, name, slots: traefikServiceSlots(obj, target) }];
  });
}
