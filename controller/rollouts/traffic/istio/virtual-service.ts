// Istio VirtualService route weights: in the named HTTP routes (or every route that sends to
// both Services), the destinations of the stable and canary hosts get the two weights.

import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import type { RouterTarget, TrafficRouter } from '../router.ts';
import { getRouted, TrafficRouterError } from '../router.ts';
import { type BackendSlot, weightPatch, weightsInEffect } from '../weighted-backends.ts';

export const virtualServices: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'VirtualService',
  plural: 'virtualservices',
  namespaced: true,
};

interface Destination {
  destination?: { host?: string; subset?: string };
  weight?: number;
}

export interface VirtualService extends KubeObject {
  spec?: { http?: { name?: string; route?: Destination[] }[] };
}

/** `web-stable`, `web-stable.shop` and `web-stable.shop.svc.cluster.local` all name the Service. */
function isHost(host: string | undefined, svc: string, namespace: string): boolean {
  if (!host) return false;
  return host === svc || host === `${svc}.${namespace}` || host.startsWith(`${svc}.${namespace}.svc`);
}

export function virtualServiceSlots(
  vs: VirtualService,
  target: RouterTarget,
  routes: readonly string[],
): BackendSlot[] {
  const slots: BackendSlot[] = [];
  (vs.spec?.http ?? []).forEach((http, i) => {
    if (routes.length > 0 && !routes.includes(http.name ?? '')) return;
    const dests = http.route ?? [];
    const stable = dests.findIndex((d) =>
      isHost(d.destination?.host, target.stableService, target.namespace),
    );
    const canary = dests.findIndex((d) =>
      isHost(d.destination?.host, target.canaryService, target.namespace),
    );
    if (stable < 0 || canary < 0) return;
    for (const [j, role] of [
      [stable, 'stable'],
      [canary, 'canary'],
    ] as const) {
      const pointer = `/spec/http/${i}/route/${j}`;
      slots.push({
        pointer,
        testPath: `${pointer}/destination/host`,
        testValue: dests[j]?.destination?.host,
        role,
        weight: dests[j]?.weight,
      });
    }
  });
  return slots;
}

export class IstioRouter implements TrafficRouter {
  readonly type = 'istio';
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly name: string;
  private readonly routes: string[];

  constructor(api: ObjectApi, target: RouterTarget, name: string, routes: string[]) {
    this.api = api;
    this.target = target;
    this.name = name;
    this.routes = routes;
  }

  async setWeight(weight: number): Promise<void> {
    const ops = weightPatch(this.slots(await this.get()), weight);
    if (ops.length > 0) await this.api.jsonPatch(virtualServices, this.target.namespace, this.name, ops);
  }

  async verifyWeight(weight: number): Promise<boolean> {
    return weightsInEffect(this.slots(await this.get()), weight);
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }

  private slots(vs: VirtualService): BackendSlot[] {
    const slots = virtualServiceSlots(vs, this.target, this.routes);
    if (slots.length === 0) {
      throw new TrafficRouterError(
        'VirtualServiceNotManaged',
        `VirtualService ${this.target.namespace}/${this.name} has no HTTP route${this.routes.length ? ` named ${this.routes.join(', ')}` : ''} with destinations ${this.target.stableService} and ${this.target.canaryService}`,
      );
    }
    return slots;
  }

  private get(): Promise<VirtualService> {
    return getRouted<VirtualService>(this.api, virtualServices, this.target.namespace, this.name);
  }
}
