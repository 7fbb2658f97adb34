// SMI TrafficSplit: the Rollout owns a TrafficSplit (named trafficSplitName, or after the
// Rollout) whose root Service splits between the canary and stable Services.

import { isNotFound } from '../../../kube/api-errors.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import { rolloutOwnerRef } from '../../owner.ts';
import { RouterWithoutRouteSteps } from '../managed-routes.ts';
import { applyRouted, type RouterTarget, type TrafficRouter, totalWeight } from '../router.ts';

export const trafficSplits: ResourceType = {
  group: 'split.smi-spec.io',
  version: 'v1alpha2',
  kind: 'TrafficSplit',
  plural: 'trafficsplits',
  namespaced: true,
};

export interface TrafficSplit extends KubeObject {
  spec?: { service?: string; backends?: { service: string; weight: number }[] };
}

export function trafficSplit(
  target: RouterTarget,
  name: string,
  rootService: string,
  weight: number,
): TrafficSplit {
  return {
    apiVersion: `${trafficSplits.group}/${trafficSplits.version}`,
    kind: trafficSplits.kind,
    metadata: {
      name,
      namespace: target.namespace,
      ownerReferences: [rolloutOwnerRef(target.rolloutName, target.rolloutUid)],
    },
    spec: {
      service: rootService,
      backends: [
        { service: target.canaryService, weight },
        { service: target.stableService, weight: totalWeight(target) - weight },
      ],
    },
  };
}

export class SmiRouter extends RouterWithoutRouteSteps implements TrafficRouter {
  readonly type = 'smi';
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly name: string;
  private readonly rootService: string;

  constructor(api: ObjectApi, target: RouterTarget, name: string, rootService: string) {
    super();
    this.api = api;
    this.target = target;
    this.name = name;
    this.rootService = rootService;
  }

  async setWeight(weight: number): Promise<void> {
    await applyRouted(
      this.api,
      trafficSplits,
      trafficSplit(this.target, this.name, this.rootService, weight),
    );
  }

  async verifyWeight(weight: number): Promise<boolean> {
    try {
      const ts = await this.api.get<TrafficSplit>(trafficSplits, this.target.namespace, this.name);
      const w = (svc: string) => ts.spec?.backends?.find((b) => b.service === svc)?.weight;
      return (
        w(this.target.canaryService) === weight &&
        w(this.target.stableService) === totalWeight(this.target) - weight
      );
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }
}
