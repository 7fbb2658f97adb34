// Gateway API HTTPRoute backend weights (built in, not a plugin): in every rule that sends to
// both the stable and the canary Service, the two backendRefs get the stable and canary weights.

import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import type { RouterTarget, TrafficRouter } from '../router.ts';
import { getRouted, TrafficRouterError } from '../router.ts';
import { type BackendSlot, weightPatch, weightsInEffect } from '../weighted-backends.ts';

export const httpRoutes: ResourceType = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  kind: 'HTTPRoute',
  plural: 'httproutes',
  namespaced: true,
};

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  weight?: number;
}

export interface HttpRoute extends KubeObject {
  spec?: { rules?: { backendRefs?: BackendRef[] }[] };
}

/** The backendRefs of the route that the weights govern; rules naming only one of the Services are left alone. */
export function httpRouteSlots(route: HttpRoute, target: RouterTarget): BackendSlot[] {
  const slots: BackendSlot[] = [];
  const isService = (b: BackendRef) =>
    (b.group ?? '') === '' &&
    (b.kind ?? 'Service') === 'Service' &&
    (b.namespace ?? route.metadata.namespace) === target.namespace;
  (route.spec?.rules ?? []).forEach((rule, i) => {
    const refs = rule.backendRefs ?? [];
    const stable = refs.findIndex((b) => isService(b) && b.name === target.stableService);
    const canary = refs.findIndex((b) => isService(b) && b.name === target.canaryService);
    if (stable < 0 || canary < 0) return;
    for (const [j, role] of [
      [stable, 'stable'],
      [canary, 'canary'],
    ] as const) {
      const pointer = `/spec/rules/${i}/backendRefs/${j}`;
      slots.push({
        pointer,
        testPath: `${pointer}/name`,
        testValue: refs[j]?.name,
        role,
        weight: refs[j]?.weight,
      });
    }
  });
  return slots;
}

export class GatewayApiRouter implements TrafficRouter {
  readonly type = 'gatewayAPI';
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly routeNamespace: string;
  private readonly routeNames: string[];

  constructor(api: ObjectApi, target: RouterTarget, routeNamespace: string, routeNames: string[]) {
    this.api = api;
    this.target = target;
    this.routeNamespace = routeNamespace;
    this.routeNames = routeNames;
  }

  async setWeight(weight: number): Promise<void> {
    for (const name of this.routeNames) {
      const route = await this.get(name);
      const ops = weightPatch(this.slots(route), weight);
      if (ops.length > 0) await this.api.jsonPatch(httpRoutes, this.routeNamespace, name, ops);
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    for (const name of this.routeNames) {
      if (!weightsInEffect(this.slots(await this.get(name)), weight)) return false;
    }
    return true;
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }

  private slots(route: HttpRoute): BackendSlot[] {
    const slots = httpRouteSlots(route, this.target);
    if (slots.length === 0) {
      throw new TrafficRouterError(
        'HTTPRouteNotManaged',
        `HTTPRoute ${this.routeNamespace}/${route.metadata.name} has no rule with backendRefs to both ${this.target.stableService} and ${this.target.canaryService}`,
      );
    }
    return slots;
  }

  private get(name: string): Promise<HttpRoute> {
    return getRouted<HttpRoute>(this.api, httpRoutes, this.routeNamespace, name);
  }
}
