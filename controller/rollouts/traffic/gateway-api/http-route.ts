// Gateway API HTTPRoute backend weights (built in, not a plugin): in every rule that sends to
// both the stable and the canary Service, the two backendRefs get the stable and canary weights.
// Header and mirror routes are extra rules (managed-rules.ts).

import type { SetHeaderRoute, SetMirrorRoute } from '../../../api/rollout.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import {
  ROUTE_STEP_SUPPORT,
  replaceListPatch,
  withManagedItem,
  withoutManagedItems,
} from '../managed-routes.ts';
import type { RouterTarget, TrafficRouter } from '../router.ts';
import { getRouted, TrafficRouterError, totalWeight } from '../router.ts';
import { type BackendSlot, weightPatch, weightsInEffect } from '../weighted-backends.ts';
import {
  type BackendRef,
  type HttpRouteRule,
  headerRule,
  isServiceRef,
  mirrorRule,
  weightedRule,
} from './managed-rules.ts';

export const httpRoutes: ResourceType = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  kind: 'HTTPRoute',
  plural: 'httproutes',
  namespaced: true,
};

export interface HttpRoute extends KubeObject {
  spec?: { rules?: HttpRouteRule[] };
}

/** The backendRefs of the route that the weights govern; rules naming only one of the Services are left alone. */
export function httpRouteSlots(route: HttpRoute, target: RouterTarget): BackendSlot[] {
  const slots: BackendSlot[] = [];
  const isService = (b: BackendRef) => isServiceRef(b, route.metadata.namespace, target);
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
  readonly routeSteps = ROUTE_STEP_SUPPORT.gatewayAPI;
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
      const ops = weightPatch(this.slots(route), weight, totalWeight(this.target));
      if (ops.length > 0) await this.api.jsonPatch(httpRoutes, this.routeNamespace, name, ops);
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    for (const name of this.routeNames) {
      if (!weightsInEffect(this.slots(await this.get(name)), weight, totalWeight(this.target))) return false;
    }
    return true;
  }

  setHeaderRoute(set: SetHeaderRoute): Promise<void> {
    return this.writeRule(set.name, set.match?.length ? (w) => headerRule(set, w.rule, w.canary) : undefined);
  }

  async setMirrorRoute(set: SetMirrorRoute): Promise<void> {
    if (!set.match?.length) return this.writeRule(set.name, undefined);
    await this.writeRule(set.name, (w) => mirrorRule(set, w.rule, w.canary));
    // Before Gateway API v1.3 the HTTPRoute CRD has no requestMirror.percent and the API server
    // drops it: the rule would mirror every request. Take it out again and say why.
    for (const name of this.routeNames) {
      const rule = (await this.get(name)).spec?.rules?.find((r) => r.name === set.name);
      const mirror = rule?.filters?.find((f) => f.type === 'RequestMirror')?.requestMirror as
        | { percent?: number }
        | undefined;
      if (mirror?.percent !== undefined) continue;
      await this.writeRule(set.name, undefined);
      throw new TrafficRouterError(
        'RequestMirrorPercentNotServed',
        `HTTPRoute ${this.routeNamespace}/${name} dropped requestMirror.percent of route ${set.name}: its CustomResourceDefinition predates Gateway API v1.3; the mirror route was removed`,
      );
    }
  }

  async removeManagedRoutes(): Promise<void> {
    for (const name of this.routeNames) {
      const rules = (await this.get(name)).spec?.rules ?? [];
      await this.patchRules(name, rules, withoutManagedItems(rules, this.target.managedRoutes ?? []));
    }
    await this.setWeight(0);
  }

  /** Puts the named rule (built from the weighted rule) in every HTTPRoute, or removes it. */
  private async writeRule(
    ruleName: string,
    build: ((w: { rule: HttpRouteRule; canary: BackendRef }) => HttpRouteRule) | undefined,
  ): Promise<void> {
    const managed = this.target.managedRoutes ?? [];
    for (const name of this.routeNames) {
      const route = await this.get(name);
      const rules = route.spec?.rules ?? [];
      let rule: HttpRouteRule | undefined;
      if (build) {
        const weighted = weightedRule(rules, route.metadata.namespace, this.target);
        if (!weighted) throw this.notManaged(name);
        rule = build(weighted);
      }
      await this.patchRules(name, rules, withManagedItem(rules, ruleName, rule, managed));
    }
  }

  private async patchRules(name: string, before: HttpRouteRule[], after: HttpRouteRule[]): Promise<void> {
    const ops = replaceListPatch('/spec/rules', before, after);
    if (ops.length > 0) await this.api.jsonPatch(httpRoutes, this.routeNamespace, name, ops);
  }

  private notManaged(name: string): TrafficRouterError {
    return new TrafficRouterError(
      'HTTPRouteNotManaged',
      `HTTPRoute ${this.routeNamespace}/${name} has no rule with backendRefs to both ${this.target.stableService} and ${this.target.canaryService}`,
    );
  }

  private slots(route: HttpRoute): BackendSlot[] {
    const slots = httpRouteSlots(route, this.target);
    if (slots.length === 0) throw this.notManaged(route.metadata.name);
    return slots;
  }

  private get(name: string): Promise<HttpRoute> {
    return getRouted<HttpRoute>(this.api, httpRoutes, this.routeNamespace, name);
  }
}
