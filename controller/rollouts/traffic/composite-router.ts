// Several routers in one Rollout (Argo Rollouts allows, say, NGINX and SMI together): each is
// set at every step (weights, header and mirror routes) in a fixed order, the weight is in effect only when all of them agree, and
// removing managed routes is tried on every one even when an earlier one fails.

import type { SetHeaderRoute, SetMirrorRoute } from '../../api/rollout.ts';
import { type RouteStepKind, routeStepNotSupported } from './managed-routes.ts';
import type { TrafficRouter } from './router.ts';

export class CompositeRouter implements TrafficRouter {
  readonly type: string;
  /** The steps every router carries out. */
  readonly routeSteps: readonly RouteStepKind[];
  private readonly routers: readonly TrafficRouter[];

  constructor(routers: readonly TrafficRouter[]) {
    this.routers = routers;
    this.type = routers.map((r) => r.type).join('+');
    this.routeSteps = (['setHeaderRoute', 'setMirrorRoute'] as const).filter((k) =>
      routers.every((r) => r.routeSteps.includes(k)),
    );
  }

  async setWeight(weight: number): Promise<void> {
    for (const r of this.routers) await r.setWeight(weight);
  }

  /** Refused before any router writes when one of them lacks header routes. */
  async setHeaderRoute(set: SetHeaderRoute): Promise<void> {
    this.refuseUnless('setHeaderRoute');
    for (const r of this.routers) await r.setHeaderRoute(set);
  }

  async setMirrorRoute(set: SetMirrorRoute): Promise<void> {
    this.refuseUnless('setMirrorRoute');
    for (const r of this.routers) await r.setMirrorRoute(set);
  }

  private refuseUnless(kind: RouteStepKind): void {
    const lacking = this.routers.find((r) => !r.routeSteps.includes(kind));
    if (lacking) throw routeStepNotSupported(lacking.type, kind);
  }

  /** False if any router says so; true if all that can tell say so; undefined if none can tell. */
  async verifyWeight(weight: number): Promise<boolean | undefined> {
    let verified: boolean | undefined;
    for (const r of this.routers) {
      const v = await r.verifyWeight(weight);
      if (v === false) return false;
      if (v) verified = true;
    }
    return verified;
  }

  async removeManagedRoutes(): Promise<void> {
    let first: unknown;
    for (const r of this.routers) {
      try {
        await r.removeManagedRoutes();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}
