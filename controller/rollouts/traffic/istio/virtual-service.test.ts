import { describe, expect, it } from 'vitest';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { weightPatch } from '../weighted-backends.ts';
import { IstioRouter, type VirtualService, virtualServiceSlots, virtualServices } from './virtual-service.ts';

const target = ROUTER_TARGET;
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

describe('VirtualService route weights', () => {
  it('finds the destinations of the named route, by short or full host', () => {
    const slots = virtualServiceSlots(vs, target, ['primary']);
    expect(slots.map((s) => [s.pointer, s.role])).toEqual([
      ['/spec/http/1/route/0', 'stable'],
      ['/spec/http/1/route/1', 'canary'],
    ]);
    expect(virtualServiceSlots(vs, target, [])).toHaveLength(2);
    expect(virtualServiceSlots(vs, target, ['admin'])).toEqual([]);
  });

  it('guards each weight with a test of the destination host', () => {
    expect(weightPatch(virtualServiceSlots(vs, target, []), 10)[0]).toEqual({
      op: 'test',
      path: '/spec/http/1/route/0/destination/host',
      value: 'web-stable.shop.svc.cluster.local',
    });
  });
});

routerContract({
  type: 'istio',
  resource: virtualServices,
  seed: (cluster) => void cluster.put(virtualServices, vs),
  newRouter: (api, t) => new IstioRouter(api, t, 'web', ['primary']),
  weights: (cluster) => {
    const found = cluster.find<VirtualService>(virtualServices, ROUTER_TARGET.namespace, 'web');
    const route = found?.spec?.http?.find((r) => r.name === 'primary')?.route ?? [];
    const w = (host: string) => route.find((d) => d.destination?.host?.startsWith(host))?.weight ?? 0;
    return { canary: w('web-canary'), stable: w('web-stable') };
  },
});
