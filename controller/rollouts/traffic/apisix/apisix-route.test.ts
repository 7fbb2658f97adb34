import { describe, expect, it } from 'vitest';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { type ApisixRoute, apisixRouter, apisixRouteSlots, apisixRoutes } from './apisix-route.ts';

const route: ApisixRoute = {
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    http: [
      { name: 'admin', backends: [{ serviceName: 'admin', servicePort: 80 }] },
      {
        name: 'web',
        backends: [
          { serviceName: 'web-canary', servicePort: 80, weight: 0 },
          { serviceName: 'web-stable', servicePort: 80, weight: 100 },
        ],
      },
    ],
  },
};

describe('APISIX ApisixRoute', () => {
  it('finds the stable and canary backends of each named rule', () => {
    expect(apisixRouteSlots(route, ROUTER_TARGET, ['web']).map((s) => [s.pointer, s.role, s.weight])).toEqual(
      [
        ['/spec/http/1/backends/1', 'stable', 100],
        ['/spec/http/1/backends/0', 'canary', 0],
      ],
    );
  });

  it('names the rule, or the backend, that is missing', () => {
    expect(() => apisixRouteSlots(route, ROUTER_TARGET, ['nope'])).toThrow(
      expect.objectContaining({
        reason: 'ApisixRouteNotManaged',
        message: 'ApisixRoute shop/web has no HTTP rule named nope',
      }),
    );
    expect(() => apisixRouteSlots(route, ROUTER_TARGET, ['admin'])).toThrow(
      'ApisixRoute shop/web: HTTP rule admin has no backend with serviceName web-stable',
    );
  });
});

routerContract({
  type: 'apisix',
  resource: apisixRoutes,
  seed: (cluster) => void cluster.put(apisixRoutes, route),
  newRouter: (api, t) => apisixRouter(api, t, 'web', ['web']),
  weights: (cluster) => {
    const found = cluster.find<ApisixRoute>(apisixRoutes, ROUTER_TARGET.namespace, 'web');
    const backends = found?.spec?.http?.find((h) => h.name === 'web')?.backends ?? [];
    const w = (svc: string) => backends.find((b) => b.serviceName === svc)?.weight ?? 0;
    expect(found?.spec?.http?.[0]?.backends?.[0]?.weight).toBeUndefined();
    return { canary: w('web-canary'), stable: w('web-stable') };
  },
});
