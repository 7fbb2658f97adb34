import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { seenIstioHeaderRoute, seenIstioMirrorRoute } from '../../../../test/support/istio-seen-routes.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { weightPatch } from '../weighted-backends.ts';
import { IstioRouter } from './istio-router.ts';
import {
  type DestinationRoles,
  tcpRouteMatches,
  tlsRouteMatches,
  type VirtualService,
  virtualServiceSlots,
  virtualServices,
} from './virtual-service.ts';

const hosts: DestinationRoles = { by: 'host', target: ROUTER_TARGET };
const vs: VirtualService = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    http: [
      { name: 'admin', route: [{ destination: { host: 'admin' } }] },
      {
        name: 'primary',
        route: [
          { destination: { host: 'web-stable.shop.svc.cluster.local' }, weight: 100 },
          { destination: { host: 'web-canary' }, weight: 0 },
        ],
      },
    ],
  },
};

/** An HTTP route and two TLS routes, told apart by port and SNI hosts. */
const withTls: VirtualService = {
  metadata: { name: 'edge', namespace: 'shop' },
  spec: {
    http: [
      {
        name: 'primary',
        route: [{ destination: { host: 'web-stable' } }, { destination: { host: 'web-canary' } }],
      },
    ],
    tls: [
      {
        match: [{ port: 3000, sniHosts: ['a.example', 'b.example'] }],
        route: [
          { destination: { host: 'web-stable' }, weight: 100 },
          { destination: { host: 'web-canary' }, weight: 0 },
        ],
      },
      {
        match: [{ port: 3001, sniHosts: ['a.example'] }],
        route: [{ destination: { host: 'web-stable' } }, { destination: { host: 'web-canary' } }],
      },
    ],
  },
};

describe('VirtualService route weights', () => {
  it('finds the destinations of the named route, by short or full host', () => {
    const slots = virtualServiceSlots(vs, hosts, { routes: ['primary'] });
    expect(slots.map((s) => [s.pointer, s.role])).toEqual([
      ['/spec/http/1/route/0', 'stable'],
      ['/spec/http/1/route/1', 'canary'],
    ]);
    expect(virtualServiceSlots(vs, hosts, {})).toHaveLength(2);
    expect(virtualServiceSlots(vs, hosts, { routes: ['admin'] })).toEqual([]);
  });

  it('guards each weight with a test of the destination host', () => {
    expect(weightPatch(virtualServiceSlots(vs, hosts, {}), 10, 100)[0]).toEqual({
      op: 'test',
      path: '/spec/http/1/route/0/destination/host',
      value: 'web-stable.shop.svc.cluster.local',
    });
  });

  it('finds TCP routes by the one port their matches name', () => {
    const tcp: VirtualService = {
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        tcp: [
          { match: [{ port: 5432 }], route: [{ destination: { host: 'web-stable' } }] },
          {
            match: [{ port: 6432 }],
            route: [{ destination: { host: 'web-stable' } }, { destination: { host: 'web-canary' } }],
          },
          {
            match: [{ port: 7000 }, { port: 7001 }],
            route: [{ destination: { host: 'web-stable' } }, { destination: { host: 'web-canary' } }],
          },
        ],
      },
    };
    expect(virtualServiceSlots(tcp, hosts, { tcpRoutes: [{ port: 6432 }] }).map((s) => s.pointer)).toEqual([
      '/spec/tcp/1/route/0',
      '/spec/tcp/1/route/1',
    ]);
    expect(virtualServiceSlots(tcp, hosts, { tcpRoutes: [{ port: 7000 }] })).toEqual([]);
    expect(virtualServiceSlots(tcp, hosts, {})).toHaveLength(4);
    expect(tcpRouteMatches([{ port: 7000 }, { port: 7000 }], 7000)).toBe(true);
    expect(tcpRouteMatches([{}], 7000)).toBe(false);
  });

  it('finds TLS routes by port and exactly their SNI hosts', () => {
    const slots = virtualServiceSlots(withTls, hosts, {
      routes: ['primary'],
      tlsRoutes: [{ port: 3000, sniHosts: ['b.example', 'a.example'] }],
    });
    expect(slots.map((s) => s.pointer)).toEqual([
      '/spec/http/0/route/0',
      '/spec/http/0/route/1',
      '/spec/tls/0/route/0',
      '/spec/tls/0/route/1',
    ]);
    expect(virtualServiceSlots(withTls, hosts, {}).map((s) => s.pointer)).toHaveLength(6);
  });

  it('matches a TLS route only on its one port and the whole set of SNI hosts', () => {
    const match = [{ port: 443, sniHosts: ['a.example', 'b.example'] }];
    expect(tlsRouteMatches(match, { port: 443, sniHosts: ['b.example', 'a.example'] })).toBe(true);
    expect(tlsRouteMatches(match, { port: 443, sniHosts: ['a.example'] })).toBe(false);
    expect(tlsRouteMatches(match, { port: 8443, sniHosts: ['a.example', 'b.example'] })).toBe(false);
    expect(tlsRouteMatches([{ sniHosts: ['a.example'] }], { sniHosts: ['a.example'] })).toBe(true);
    // Matches on two ports never match one port (as in Argo Rollouts).
    const twoPorts = [
      { port: 443, sniHosts: ['a.example'] },
      { port: 8443, sniHosts: ['a.example'] },
    ];
    expect(tlsRouteMatches(twoPorts, { port: 443, sniHosts: ['a.example'] })).toBe(false);
  });

  it('with subsets, tells the destinations apart by subset and guards on it', () => {
    const bySubset: VirtualService = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        http: [
          {
            route: [
              { destination: { host: 'web', subset: 'canary' }, weight: 0 },
              { destination: { host: 'web', subset: 'stable' }, weight: 100 },
            ],
          },
        ],
      },
    };
    const slots = virtualServiceSlots(bySubset, { by: 'subset', stable: 'stable', canary: 'canary' }, {});
    expect(slots.map((s) => [s.pointer, s.role, s.testPath, s.testValue])).toEqual([
      ['/spec/http/0/route/1', 'stable', '/spec/http/0/route/1/destination/subset', 'stable'],
      ['/spec/http/0/route/0', 'canary', '/spec/http/0/route/0/destination/subset', 'canary'],
    ]);
    expect(virtualServiceSlots(bySubset, hosts, {})).toEqual([]);
  });
});

describe('IstioRouter', () => {
  it('reads name.namespace as a VirtualService in another namespace', async () => {
    const cluster = new FakeCluster();
    cluster.put(virtualServices, { ...vs, metadata: { name: 'web', namespace: 'mesh' } });
    const router = new IstioRouter(cluster.api(), ROUTER_TARGET, {
      virtualServices: [{ name: 'web.mesh', routes: ['primary'] }],
    });
    await router.setWeight(25);
    const route = cluster.find<VirtualService>(virtualServices, 'mesh', 'web')?.spec?.http?.[1]?.route;
    expect(route?.map((d) => d.weight)).toEqual([75, 25]);
  });

  it('names the routes a VirtualService lacks', async () => {
    const cluster = new FakeCluster();
    cluster.put(virtualServices, withTls);
    const router = new IstioRouter(cluster.api(), ROUTER_TARGET, {
      virtualServices: [
        {
          name: 'edge',
          routes: ['nope'],
          tlsRoutes: [{ port: 9, sniHosts: ['x'] }],
          tcpRoutes: [{ port: 5432 }],
        },
      ],
    });
    await expect(router.setWeight(10)).rejects.toMatchObject({
      reason: 'VirtualServiceRouteNotFound',
      message:
        'VirtualService shop/edge has no HTTP route nope, TLS route with port 9 sniHosts [x], TCP route on port 5432 alone',
    });
  });
});

routerContract({
  type: 'istio',
  resource: virtualServices,
  seed: (cluster) => void cluster.put(virtualServices, vs),
  newRouter: (api, t) => new IstioRouter(api, t, { virtualServices: [{ name: 'web', routes: ['primary'] }] }),
  weights: (cluster) => {
    const found = cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, 'web');
    const route = found?.spec?.http?.find((r) => r.name === 'primary')?.route ?? [];
    const w = (host: string) => route.find((d) => d.destination?.host?.startsWith(host))?.weight ?? 0;
    return { canary: w('web-canary'), stable: w('web-stable') };
  },
  headerRoute: (cluster) =>
    seenIstioHeaderRoute(cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, 'web')),
  mirrorRoute: (cluster) =>
    seenIstioMirrorRoute(cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, 'web')),
});

// The plural form: two VirtualServices, one routed by HTTP route name and one by a TLS route.
routerContract({
  type: 'istio',
  form: 'virtualServices with HTTP and TLS routes',
  resource: virtualServices,
  seed: (cluster) => {
    cluster.put(virtualServices, vs);
    cluster.put(virtualServices, withTls);
  },
  newRouter: (api, t) =>
    new IstioRouter(api, t, {
      virtualServices: [
        { name: 'web', routes: ['primary'] },
        { name: 'edge', routes: ['primary'], tlsRoutes: [{ port: 3001, sniHosts: ['a.example'] }] },
      ],
    }),
  weights: (cluster) => {
    const get = (name: string) =>
      cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, name);
    const pairs = [
      get('web')?.spec?.http?.find((r) => r.name === 'primary')?.route,
      get('edge')?.spec?.http?.find((r) => r.name === 'primary')?.route,
      get('edge')?.spec?.tls?.[1]?.route,
    ].map((r) => ({ stable: r?.[0]?.weight ?? 0, canary: r?.[1]?.weight ?? 0 }));
    // Every managed route says the same weights; the TLS route not named keeps its own.
    for (const p of pairs) expect(p).toEqual(pairs[0]);
    expect(get('edge')?.spec?.tls?.[0]?.route?.map((d) => d.weight)).toEqual([100, 0]);
    return pairs[0] ?? { canary: -1, stable: -1 };
  },
  // Both VirtualServices carry the same routes.
  headerRoute: (cluster) => {
    const [web, edge] = ['web', 'edge'].map((n) =>
      seenIstioHeaderRoute(cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, n)),
    );
    expect(edge).toEqual(web);
    return web;
  },
  mirrorRoute: (cluster) => {
    const [web, edge] = ['web', 'edge'].map((n) =>
      seenIstioMirrorRoute(cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, n)),
    );
    expect(edge).toEqual(web);
    return web;
  },
});
