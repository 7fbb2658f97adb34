// The Istio router: one or more VirtualServices whose routes carry the weights and, for
// subset-level splitting, a DestinationRule whose subsets follow the pod hashes. The subsets
// move first, so a weight never lands on a subset that still selects the old pods.

import type { IstioDestinationRule, IstioVirtualService } from '../../../api/rollout.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
import type { RouterTarget, TrafficRouter } from '../router.ts';
import { getRouted, TrafficRouterError } from '../router.ts';
import { type BackendSlot, weightPatch, weightsInEffect } from '../weighted-backends.ts';
import {
  type DestinationRule,
  destinationRules,
  subsetLabelPatch,
  subsetsInStep,
} from './destination-rule.ts';
import {
  type DestinationRoles,
  missingTlsRoutes,
  type VirtualService,
  virtualServiceSlots,
  virtualServices,
} from './virtual-service.ts';

export interface IstioRouting {
  virtualServices: IstioVirtualService[];
  destinationRule?: IstioDestinationRule;
}

export class IstioRouter implements TrafficRouter {
  readonly type = 'istio';
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
      const ops = weightPatch(this.slots(ref, await this.virtualService(ref)), weight);
      const { namespace, name } = this.located(ref);
      if (ops.length > 0) await this.api.jsonPatch(virtualServices, namespace, name, ops);
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    const rule = this.routing.destinationRule;
    if (rule && !subsetsInStep(await this.destinationRule(rule), rule, this.hashes())) return false;
    for (const ref of this.routing.virtualServices) {
      if (!weightsInEffect(this.slots(ref, await this.virtualService(ref)), weight)) return false;
    }
    return true;
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
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
    if (missingHttp.length > 0 || missingTls.length > 0) {
      const tls = missingTls.map(
        (t) => `port ${t.port ?? 'any'} sniHosts [${(t.sniHosts ?? []).join(', ')}]`,
      );
      throw new TrafficRouterError(
        'VirtualServiceRouteNotFound',
        `${where} has no ${[...missingHttp.map((n) => `HTTP route ${n}`), ...tls.map((t) => `TLS route with ${t}`)].join(', ')}`,
      );
    }
    const slots = virtualServiceSlots(vs, this.roles, ref);
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
