// Apache APISIX (Argo Rollouts' `apisix.route`): the weights of the stable and canary backends
// in the named HTTP rules of an ApisixRoute; APISIX splits traffic by backend weight.

import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import {
  getRouted,
  type RouterTarget,
  type TrafficRouter,
  TrafficRouterError,
  totalWeight,
} from '../router.ts';
import { type BackendSlot, BackendWeightsRouter } from '../weighted-backends.ts';

export const apisixRoutes: ResourceType = {
  group: 'apisix.apache.org',
  version: 'v2',
  kind: 'ApisixRoute',
  plural: 'apisixroutes',
  namespaced: true,
};

interface ApisixBackend {
  serviceName: string;
  servicePort?: number | string;
  weight?: number;
}

export interface ApisixRoute extends KubeObject {
  spec?: { http?: { name: string; backends?: ApisixBackend[] }[] };
}

/** The stable and canary backends of each named rule, or an error naming the rule or Service missing. */
export function apisixRouteSlots(
  route: ApisixRoute,
  target: RouterTarget,
  rules: readonly string[],
): BackendSlot[] {
  const http = route.spec?.http ?? [];
  const where = `ApisixRoute ${target.namespace}/${route.metadata.name}`;
  const slots: BackendSlot[] = [];
  for (const rule of rules) {
    const i = http.findIndex((h) => h.name === rule);
    if (i < 0)
      throw new TrafficRouterError('ApisixRouteNotManaged', `${where} has no HTTP rule named ${rule}`);
    const backends = http[i]?.backends ?? [];
    for (const [svc, role] of [
      [target.stableService, 'stable'],
      [target.canaryService, 'canary'],
    ] as const) {
      const j = backends.findIndex((b) => b.serviceName === svc);
      if (j < 0) {
        throw new TrafficRouterError(
          'ApisixRouteNotManaged',
          `${where}: HTTP rule ${rule} has no backend with serviceName ${svc}`,
        );
      }
      const pointer = `/spec/http/${i}/backends/${j}`;
      slots.push({
        pointer,
        testPath: `${pointer}/serviceName`,
        testValue: svc,
        role,
        weight: backends[j]?.weight,
      });
    }
  }
  return slots;
}

export function apisixRouter(
  api: ObjectApi,
  target: RouterTarget,
  name: string,
  rules: readonly string[],
): TrafficRouter {
  return new BackendWeightsRouter('apisix', api, totalWeight(target), async () => {
    const route = await getRouted<ApisixRoute>(api, apisixRoutes, target.namespace, name);
    return [
      { rt: apisixRoutes, namespace: target.namespace, name, slots: apisixRouteSlots(route, target, rules) },
    ];
  });
}
