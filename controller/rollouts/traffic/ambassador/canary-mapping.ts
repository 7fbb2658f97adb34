// Ambassador / Emissary-ingress (Argo Rollouts' `ambassador.mappings`): next to each of the
// user's Mappings to stableService, a `<name>-canary` copy that sends to canaryService with the
// canary weight; Ambassador gives the rest to the weightless original. The copy is owned by the
// Rollout and deleted when the weight returns to 0 (promotion, abort).

import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import { rolloutOwnerRef } from '../../owner.ts';
import { RouterWithoutRouteSteps } from '../managed-routes.ts';
import {
  applyRouted,
  getRoutedFirst,
  type RouterTarget,
  type TrafficRouter,
  TrafficRouterError,
} from '../router.ts';

const mapping = (version: string): ResourceType => ({
  group: 'getambassador.io',
  version,
  kind: 'Mapping',
  plural: 'mappings',
  namespaced: true,
});

/** Emissary 3's v3alpha1 first; v2 for Ambassador 1.x and 2.x, Argo Rollouts' default. */
export const mappings = [mapping('v3alpha1'), mapping('v2')];

export interface Mapping extends KubeObject {
  spec?: { service?: string; weight?: number } & Record<string, unknown>;
}

/** `<name>-canary`, the name Argo Rollouts gives it, within the 253 characters of a name. */
export function canaryMappingName(base: string): string {
  return `${base.slice(0, 246)}-canary`;
}

/** The canary service, keeping the port of the base Mapping's `service` (`web-stable:8080`). */
function canaryServiceOf(baseService: string, canaryService: string): string {
  const port = baseService.split(':').at(-1) ?? '';
  return baseService.includes(':') && /^\d+$/.test(port) ? `${canaryService}:${port}` : canaryService;
}

/** The canary copy of a base Mapping at a weight; refused when the base sets a weight itself. */
export function canaryMapping(base: Mapping, target: RouterTarget, weight: number): Mapping {
  if (base.spec?.weight) {
    throw new TrafficRouterError(
      'MappingNotManaged',
      `Mapping ${target.namespace}/${base.metadata.name} sets spec.weight: the base Mapping must not have one, its traffic is what the canary Mapping leaves`,
    );
  }
  return {
    apiVersion: base.apiVersion,
    kind: 'Mapping',
    metadata: {
      name: canaryMappingName(base.metadata.name),
      namespace: target.namespace,
      ownerReferences: [rolloutOwnerRef(target.rolloutName, target.rolloutUid)],
    },
    spec: {
      ...base.spec,
      service: canaryServiceOf(base.spec?.service ?? '', target.canaryService),
      weight,
    },
  };
}

export class AmbassadorRouter extends RouterWithoutRouteSteps implements TrafficRouter {
  readonly type = 'ambassador';
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly names: readonly string[];

  constructor(api: ObjectApi, target: RouterTarget, names: readonly string[]) {
    super();
    this.api = api;
    this.target = target;
    this.names = names;
  }

  async setWeight(weight: number): Promise<void> {
    for (const name of this.names) {
      // The base Mapping is read every time, so a missing one (or CRD) is named even at weight 0.
      const { rt, obj } = await this.get(name);
      if (weight === 0) await this.api.delete(rt, this.target.namespace, canaryMappingName(name));
      else await applyRouted(this.api, rt, canaryMapping(obj, this.target, weight));
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    for (const name of this.names) {
      const { rt } = await this.get(name);
      const canary = await this.api.getOrUndefined<Mapping>(
        rt,
        this.target.namespace,
        canaryMappingName(name),
      );
      if ((canary?.spec?.weight ?? 0) !== weight) return false;
    }
    return true;
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }

  private get(name: string) {
    return getRoutedFirst<Mapping>(this.api, mappings, this.target.namespace, name);
  }
}
