import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../test/support/fake-cluster.ts';
import { ROUTER_TARGET, routerContract } from '../../../test/support/router-contract.ts';
import type { Rollout } from '../../api/rollout.ts';
import { CompositeRouter } from './composite-router.ts';
import { type Ingress, ingresses, NginxRouter } from './nginx/canary-ingress.ts';
import type { TrafficRouter } from './router.ts';
import { routerFor } from './routers.ts';
import { SmiRouter, type TrafficSplit, trafficSplits } from './smi/traffic-split.ts';

// The smallest stable Ingress NGINX can copy: a default backend to the stable Service.
const stableIngress: Ingress = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: { ingressClassName: 'nginx', defaultBackend: { service: { name: 'web-stable' } } },
};
const nginxOpts = {
  stableIngress: 'web',
  annotationPrefix: 'nginx.ingress.kubernetes.io',
  additionalAnnotations: {},
};

/** A router that answers verifyWeight as told, and records what it was asked. */
function stub(
  type: string,
  verified: boolean | undefined,
  calls: string[],
  fail?: Error,
  routeSteps: TrafficRouter['routeSteps'] = ['setHeaderRoute', 'setMirrorRoute'],
): TrafficRouter {
  return {
    type,
    routeSteps,
    setWeight: async (w) => void calls.push(`${type}.set(${w})`),
    setHeaderRoute: async (r) => void calls.push(`${type}.header(${r.name})`),
    setMirrorRoute: async (r) => void calls.push(`${type}.mirror(${r.name})`),
    verifyWeight: async () => verified,
    removeManagedRoutes: async () => {
      calls.push(`${type}.remove`);
      if (fail) throw fail;
    },
  };
}

describe('CompositeRouter', () => {
  it('sets each router in order and verifies only when all that can tell agree', async () => {
    const calls: string[] = [];
    const both = new CompositeRouter([stub('a', true, calls), stub('b', undefined, calls)]);
    expect(both.type).toBe('a+b');
    await both.setWeight(20);
    expect(calls).toEqual(['a.set(20)', 'b.set(20)']);
    expect(await both.verifyWeight(20)).toBe(true);
    expect(await new CompositeRouter([stub('a', true, calls), stub('b', false, calls)]).verifyWeight(1)).toBe(
      false,
    );
    expect(
      await new CompositeRouter([stub('a', undefined, calls), stub('b', undefined, calls)]).verifyWeight(1),
    ).toBeUndefined();
  });

  it('removes managed routes on every router even when one fails, then reports the failure', async () => {
    const calls: string[] = [];
    const boom = new Error('boom');
    const router = new CompositeRouter([stub('a', true, calls, boom), stub('b', true, calls)]);
    await expect(router.removeManagedRoutes()).rejects.toBe(boom);
    expect(calls).toEqual(['a.remove', 'b.remove']);
  });

  it('gives every router each header and mirror route, or refuses before any writes', async () => {
    const calls: string[] = [];
    const both = new CompositeRouter([stub('a', true, calls), stub('b', true, calls)]);
    await both.setHeaderRoute({ name: 'h' });
    await both.setMirrorRoute({ name: 'm' });
    expect(calls).toEqual(['a.header(h)', 'b.header(h)', 'a.mirror(m)', 'b.mirror(m)']);
    const headerOnly = new CompositeRouter([
      stub('a', true, calls),
      stub('b', true, calls, undefined, ['setHeaderRoute']),
    ]);
    expect(headerOnly.routeSteps).toEqual(['setHeaderRoute']);
    calls.length = 0;
    await expect(headerOnly.setMirrorRoute({ name: 'm' })).rejects.toMatchObject({
      reason: 'SetMirrorRouteNotSupported',
      message: 'the b router does not support setMirrorRoute steps',
    });
    expect(calls).toEqual([]);
  });

  it('is what routerFor builds for several routers, in a fixed order', () => {
    const ro = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            trafficRouting: {
              smi: {},
              gatewayAPI: { httpRoute: 'web' },
              nginx: { stableIngress: 'web' },
              istio: { virtualService: { name: 'web' } },
            },
          },
        },
      },
    } as Rollout;
    expect(routerFor(ro, new FakeCluster().api())?.type).toBe('istio+nginx+smi+gatewayAPI');
  });

  it('orders the gateway routers as Argo Rollouts does, Gateway API (its plugin) last', () => {
    const ro = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            trafficRouting: {
              gatewayAPI: { httpRoute: 'web' },
              apisix: { route: { name: 'web' } },
              traefik: { weightedTraefikServiceName: 'web' },
              ambassador: { mappings: ['web'] },
              smi: {},
              alb: { ingress: 'web', servicePort: 80 },
            },
          },
        },
      },
    } as Rollout;
    expect(routerFor(ro, new FakeCluster().api())?.type).toBe('alb+smi+ambassador+traefik+apisix+gatewayAPI');
  });

  it('gives ALB its defaults: the stable Service names the action, under alb.ingress.kubernetes.io', async () => {
    const cluster = new FakeCluster();
    cluster.put(ingresses, {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'web-stable' } } }] } }] },
    });
    const ro = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            trafficRouting: { alb: { ingress: 'web', servicePort: 8080 } },
          },
        },
      },
    } as Rollout;
    await routerFor(ro, cluster.api())?.setWeight(15);
    const annotations = cluster.find<Ingress>(ingresses, 'shop', 'web')?.metadata.annotations ?? {};
    expect(Object.keys(annotations)).toEqual(['alb.ingress.kubernetes.io/actions.web-stable']);
  });
});

// NGINX and SMI together, as Argo Rollouts allows: both say the same weight at every step.
routerContract({
  type: 'nginx+smi',
  resource: trafficSplits,
  seed: (cluster) => void cluster.put(ingresses, stableIngress),
  newRouter: (api, t) =>
    new CompositeRouter([
      new NginxRouter(api, t, { ...nginxOpts, stableIngresses: ['web'] }),
      new SmiRouter(api, t, 'web', 'web'),
    ]),
  weights: (cluster) => {
    const ing = cluster.find<Ingress>(ingresses, ROUTER_TARGET.namespace, 'web-web-canary');
    const nginx = Number(ing?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] ?? 0);
    const ts = cluster.find<TrafficSplit>(trafficSplits, ROUTER_TARGET.namespace, 'web');
    const w = (svc: string) => ts?.spec?.backends?.find((b) => b.service === svc)?.weight ?? 0;
    expect({ canary: w('web-canary'), stable: w('web-stable') }).toEqual({
      canary: nginx,
      stable: 100 - nginx,
    });
    return { canary: nginx, stable: 100 - nginx };
  },
});
