// The contract every canary traffic router keeps (controller/rollouts/traffic/router.ts), as
// one suite each router's tests run against the shared fake cluster: the weight it is told is
// the weight its objects say, verifyWeight tells the truth, removing managed routes sends all
// traffic to stable, and a missing object or a kind the cluster does not serve is a
// TrafficRouterError naming it. Header and mirror routes: a router either carries them (they
// appear with their matches, survive weights and a new router instance, go when a step sets
// them without match and when managed routes are removed) or refuses them naming itself, as
// ROUTE_STEP_SUPPORT says. A new router passes this before it is wired in.

import { describe, expect, it } from 'vitest';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import type { ResourceType } from '../../controller/kube/resources.ts';
import {
  ROUTE_STEP_SUPPORT,
  type RouterKey,
  type RouteStepKind,
} from '../../controller/rollouts/traffic/managed-routes.ts';
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
  managedRoutes: ['canary-header', 'canary-mirror'],
};

/** A header route as a router's objects say it: the header and value that send to the canary. */
export interface SeenHeaderRoute {
  header: string;
  value: string;
}

/** A mirror route as a router's objects say it: how much of matching traffic is mirrored. */
export interface SeenMirrorRoute {
  percentage: number;
}

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
  /** The header route `canary-header`, as the objects say it; absent when the router has none. */
  headerRoute?(cluster: FakeCluster): SeenHeaderRoute | undefined;
  /** The mirror route `canary-mirror`, likewise. */
  mirrorRoute?(cluster: FakeCluster): SeenMirrorRoute | undefined;
}

const HEADER_STEP = {
  name: 'canary-header',
  match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
};
const MIRROR_STEP = {
  name: 'canary-mirror',
  percentage: 40,
  match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }],
};

/** The router's objects without their resourceVersions: what a repeated write would change. */
function contents(cluster: FakeCluster, rt: ResourceType): string {
  return JSON.stringify(
    cluster.list(rt).map((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: '' } })),
  );
}

/** Whether every router of `type` (`nginx+smi` for several) carries out the step. */
function supports(type: string, kind: RouteStepKind): boolean {
  return type.split('+').every((t) => ROUTE_STEP_SUPPORT[t as RouterKey]?.includes(kind));
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

    it('carries header routes exactly when ROUTE_STEP_SUPPORT says so', () => {
      expect(c.headerRoute !== undefined).toBe(supports(c.type, 'setHeaderRoute'));
      expect(c.mirrorRoute !== undefined).toBe(supports(c.type, 'setMirrorRoute'));
    });

    const header = c.headerRoute;
    if (header) {
      it('adds a header route that survives weights and a restart, and removes it', async () => {
        const { cluster, router } = setup();
        await router.setWeight(30);
        await router.setHeaderRoute(HEADER_STEP);
        expect(header(cluster)).toEqual({ header: 'x-canary', value: 'yes' });
        expect(c.weights(cluster)).toEqual({ canary: 30, stable: 70 });
        await router.setWeight(50);
        expect(header(cluster)).toEqual({ header: 'x-canary', value: 'yes' });
        // A new controller finds the route in the objects: setting it again writes nothing new.
        const again = c.newRouter(cluster.api(), ROUTER_TARGET);
        const written = contents(cluster, c.resource);
        await again.setHeaderRoute(HEADER_STEP);
        expect(contents(cluster, c.resource)).toBe(written);
        await again.setHeaderRoute({ name: 'canary-header' });
        expect(header(cluster)).toBeUndefined();
        expect(c.weights(cluster)).toEqual({ canary: 50, stable: 50 });
        await again.setHeaderRoute(HEADER_STEP);
        await again.removeManagedRoutes();
        expect(header(cluster)).toBeUndefined();
        expect(c.weights(cluster)).toEqual({ canary: 0, stable: 100 });
      });
    } else {
      it('refuses setHeaderRoute naming itself, and writes nothing', async () => {
        const { cluster, router } = setup();
        await expect(router.setHeaderRoute(HEADER_STEP)).rejects.toMatchObject({
          reason: 'SetHeaderRouteNotSupported',
          message: expect.stringContaining(`router does not support setHeaderRoute`),
        });
        expect(cluster.writes).toEqual([]);
      });
    }

    const mirror = c.mirrorRoute;
    if (mirror) {
      it('adds a mirror route that survives weights and a restart, and removes it', async () => {
        const { cluster, router } = setup();
        await router.setWeight(20);
        await router.setMirrorRoute(MIRROR_STEP);
        expect(mirror(cluster)).toEqual({ percentage: 40 });
        await router.setWeight(60);
        expect(mirror(cluster)).toEqual({ percentage: 40 });
        expect(c.weights(cluster)).toEqual({ canary: 60, stable: 40 });
        const again = c.newRouter(cluster.api(), ROUTER_TARGET);
        const written = contents(cluster, c.resource);
        await again.setMirrorRoute(MIRROR_STEP);
        expect(contents(cluster, c.resource)).toBe(written);
        await again.setMirrorRoute({ name: 'canary-mirror' });
        expect(mirror(cluster)).toBeUndefined();
        await again.setMirrorRoute(MIRROR_STEP);
        await again.removeManagedRoutes();
        expect(mirror(cluster)).toBeUndefined();
        expect(c.weights(cluster)).toEqual({ canary: 0, stable: 100 });
      });
    } else {
      it('refuses setMirrorRoute naming itself, and writes nothing', async () => {
        const { cluster, router } = setup();
        await expect(router.setMirrorRoute(MIRROR_STEP)).rejects.toMatchObject({
          reason: 'SetMirrorRouteNotSupported',
          message: expect.stringContaining(`router does not support setMirrorRoute`),
        });
        expect(cluster.writes).toEqual([]);
      });
    }

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
