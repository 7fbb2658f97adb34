// The Istio router: one or more VirtualServices whose routes carry the weights and, for
// subset-level splitting, a DestinationRule whose subsets follow the pod hashes. The subsets
// move first, so a weight never lands on a subset that still selects the old pods. Header and
// mirror routes are HTTP routes named after managedRoutes (managed-http-routes.ts).

import type {
  IstioDestinationRule,
  IstioVirtualService,
  SetHeaderRoute,
  SetMirrorRoute,
} from '../../../api/rollout.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
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
  type DestinationRule,
  destinationRules,
  subsetLabelPatch,
  subsetsInStep,
} from './destination-rule.ts';
import {
  headerHttpRoute,
  mirrorHttpRoute,
  mirrorRouteNames,
  weightedHttpRoute,
} from './managed-http-routes.ts';
import {
  type DestinationRoles,
  missingTcpRoutes,
  missingTlsRoutes,
  type VirtualService,
  type VirtualServiceHttpRoute,
  virtualServiceSlots,
  virtualServices,
} from './virtual-service.ts';

export interface IstioRouting {
  virtualServices: IstioVirtualService[];
  destinationRule?: IstioDestinationRule;
}

export class IstioRouter implements TrafficRouter {
  readonly type = 'istio';
  readonly routeSteps = ROUTE_STEP_SUPPORT.istio;
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly routing: IstioRouting;
  private readonly roles: DestinationRoles;

  constructor(api: ObjectApi, target: RouterTarget, routing: IstioRouting) {
    this.api = api;
    this.target = target;
    this.routing = routing;
    const dr = routing.destinationRule;
    this.roles = dr
      ? { by: 'subset', stable: dr.stableSubsetName, canary: dr.canarySubsetName }
      : { by: 'host', target };
  }

  async setWeight(weight: number): Promise<void> {
    const rule = this.routing.destinationRule;
    if (rule) {
      const ops = subsetLabelPatch(await this.destinationRule(rule), rule, this.hashes());
      if (ops.length > 0) await this.api.jsonPatch(destinationRules, this.target.namespace, rule.name, ops);
    }
    for (const ref of this.routing.virtualServices) {
      const ops = weightPatch(
        this.slots(ref, await this.virtualService(ref)),
        weight,
        totalWeight(this.target),
      );
      const { namespace, name } = this.located(ref);
      if (ops.length > 0) await this.api.jsonPatch(virtualServices, namespace, name, ops);
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    const rule = this.routing.destinationRule;
    if (rule && !subsetsInStep(await this.destinationRule(rule), rule, this.hashes())) return false;
    for (const ref of this.routing.virtualServices) {
      if (!weightsInEffect(this.slots(ref, await this.virtualService(ref)), weight, totalWeight(this.target)))
        return false;
    }
    return true;
  }

  setHeaderRoute(set: SetHeaderRoute): Promise<void> {
    return this.writeManagedRoute(
      set.name,
      set.match?.length ? (w) => headerHttpRoute(set, w.canary) : undefined,
    );
  }

  setMirrorRoute(set: SetMirrorRoute): Promise<void> {
    return this.writeManagedRoute(
      set.name,
      set.match?.length ? (w) => mirrorHttpRoute(set, w.route, w.canary) : undefined,
    );
  }

  async removeManagedRoutes(): Promise<void> {
    for (const ref of this.routing.virtualServices) {
      const http = (await this.virtualService(ref)).spec?.http;
      if (http) await this.patchHttp(ref, http, withoutManagedItems(http, this.managed()));
    }
    await this.setWeight(0);
  }

  private managed(): readonly string[] {
    return this.target.managedRoutes ?? [];
  }

  /** Puts the named route (built from the weighted route) in every VirtualService, or removes it. */
  private async writeManagedRoute(
    name: string,
    build:
      | ((weighted: NonNullable<ReturnType<typeof weightedHttpRoute>>) => VirtualServiceHttpRoute)
      | undefined,
  ): Promise<void> {
    for (const ref of this.routing.virtualServices) {
      const vs = await this.virtualService(ref);
      const http = vs.spec?.http;
      if (!build) {
        if (http) await this.patchHttp(ref, http, withManagedItem(http, name, undefined, this.managed()));
        continue;
      }
      const weighted = weightedHttpRoute(vs, this.roles, ref, this.managed());
      if (!http || !weighted) {
        const { namespace, name: vsName } = this.located(ref);
        throw new TrafficRouterError(
          'VirtualServiceNotManaged',
          `VirtualService ${namespace}/${vsName} has no HTTP route with both the stable and canary destinations to base route ${name} on`,
        );
      }
      await this.patchHttp(ref, http, withManagedItem(http, name, build(weighted), this.managed()));
    }
  }

  private async patchHttp(
    ref: IstioVirtualService,
    before: VirtualServiceHttpRoute[],
    after: VirtualServiceHttpRoute[],
  ): Promise<void> {
    const ops = replaceListPatch('/spec/http', before, after);
    const { namespace, name } = this.located(ref);
    if (ops.length > 0) await this.api.jsonPatch(virtualServices, namespace, name, ops);
  }

  private hashes() {
    return { canary: this.target.canaryHash, stable: this.target.stableHash };
  }

  private slots(ref: IstioVirtualService, vs: VirtualService): BackendSlot[] {
    const { namespace, name } = this.located(ref);
    const where = `VirtualService ${namespace}/${name}`;
    const names = ref.routes ?? [];
    const missingHttp = names.filter((n) => !(vs.spec?.http ?? []).some((r) => r.name === n));
    const missingTls = missingTlsRoutes(vs, ref.tlsRoutes ?? []);
    const missingTcp = missingTcpRoutes(vs, ref.tcpRoutes ?? []);
    if (missingHttp.length > 0 || missingTls.length > 0 || missingTcp.length > 0) {
      const tls = missingTls.map(
        (t) => `port ${t.port ?? 'any'} sniHosts [${(t.sniHosts ?? []).join(', ')}]`,
      );
      const missing = [
        ...missingHttp.map((n) => `HTTP route ${n}`),
        ...tls.map((t) => `TLS route with ${t}`),
        ...missingTcp.map((p) => `TCP route on port ${p} alone`),
      ];
      throw new TrafficRouterError('VirtualServiceRouteNotFound', `${where} has no ${missing.join(', ')}`);
    }
    // Mirror routes carry the weighted route's destinations, so they take the weights too.
    const withMirrors = names.length > 0 ? [...names, ...mirrorRouteNames(vs, this.managed())] : names;
    const slots = virtualServiceSlots(vs, this.roles, { ...ref, routes: withMirrors });
    if (slots.length === 0) {
      const dests =
        this.roles.by === 'subset'
          ? `subsets ${this.roles.stable} and ${this.roles.canary}`
          : `destinations ${this.target.stableService} and ${this.target.canaryService}`;
      throw new TrafficRouterError('VirtualServiceNotManaged', `${where} has no route with ${dests}`);
    }
    return slots;
  }

  /** `name` is in the Rollout's namespace; `name.namespace` in another, as Argo Rollouts reads it. */
  private located(ref: IstioVirtualService): { namespace: string; name: string } {
    const dot = ref.name.indexOf('.');
    if (dot < 0) return { namespace: this.target.namespace, name: ref.name };
    return { namespace: ref.name.slice(dot + 1), name: ref.name.slice(0, dot) };
  }

  private virtualService(ref: IstioVirtualService): Promise<VirtualService> {
    const { namespace, name } = this.located(ref);
    return getRouted<VirtualService>(this.api, virtualServices, namespace, name);
  }

  private destinationRule(rule: IstioDestinationRule): Promise<DestinationRule> {
    return getRouted<DestinationRule>(this.api, destinationRules, this.target.namespace, rule.name);
  }
}
