// The contract every canary traffic router keeps (controller/rollouts/traffic/router.ts), as
// one suite each router's tests run against the shared fake cluster: the weight it is told is
// the weight its objects say, verifyWeight tells the truth, removing managed routes sends all
// traffic to stable, and a missing object or a kind the cluster does not serve is a
// TrafficRouterError naming it. A new router passes this before it is wired in.

import { describe, expect, it } from 'vitest';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import type { ResourceType } from '../../controller/kube/resources.ts';
import {
  type RouterTarget,
  type TrafficRouter,
  TrafficRouterError,
} from '../../controller/rollouts/traffic/router.ts';
import { FakeCluster } from './fake-cluster.ts';

export const ROUTER_TARGET: RouterTarget = {
  rolloutName: 'web',
  rolloutUid: 'uid-web',
  namespace: 'shop',
  stableService: 'web-stable',
  canaryService: 'web-canary',
};

export interface RouterCase {
  /** The key under trafficRouting, which is also the router's `type`. */
  type: string;
  /** Which form of the router this case runs, when a router has several (`plural virtualServices`). */
  form?: string;
  /** The router's own kind: the one whose CRD may be missing from a cluster. */
  resource: ResourceType;
  /** What the user creates before the Rollout runs (a route, a stable Ingress); nothing if none. */
  seed(cluster: FakeCluster): void;
  newRouter(api: ObjectApi, target: RouterTarget): TrafficRouter;
  /** The canary and stable weights, as the router's objects now say them. */
  weights(cluster: FakeCluster): { canary: number; stable: number };
}

export function routerContract(c: RouterCase): void {
  describe(`${c.type} router${c.form ? ` (${c.form})` : ''}: the TrafficRouter contract`, () => {
    const setup = () => {
      const cluster = new FakeCluster();
      c.seed(cluster);
      return { cluster, router: c.newRouter(cluster.api(), ROUTER_TARGET) };
    };

    it('is named after its trafficRouting key', () => {
      expect(setup().router.type).toBe(c.type);
    });

    it('sets every weight, and its objects say exactly that weight', async () => {
      const { cluster, router } = setup();
      for (const weight of [5, 20, 50, 100, 0, 35]) {
        await router.setWeight(weight);
        expect(c.weights(cluster), `after setWeight(${weight})`).toEqual({
          canary: weight,
          stable: 100 - weight,
        });
      }
    });

    it('verifies the weight in effect, and not another', async () => {
      const { router } = setup();
      await router.setWeight(40);
      expect(await router.verifyWeight(40)).not.toBe(false);
      expect(await router.verifyWeight(60)).not.toBe(true);
    });

    it('sends all traffic to stable when its managed routes are removed', async () => {
      const { cluster, router } = setup();
      await router.setWeight(60);
      await router.removeManagedRoutes();
      expect(c.weights(cluster)).toEqual({ canary: 0, stable: 100 });
    });

    it('names its kind when the cluster does not serve it (CRD not installed)', async () => {
      const { cluster, router } = setup();
      cluster.unserve(c.resource);
      const err = await router.setWeight(20).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TrafficRouterError);
      expect((err as TrafficRouterError).reason).toBe(`${c.resource.kind}NotServed`);
      expect((err as Error).message).toContain(`does not serve ${c.resource.kind}`);
    });
  });
}
