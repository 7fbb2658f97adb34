import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import {
  type TraefikService,
  traefikRouter,
  traefikServiceSlots,
  traefikServices,
} from './traefik-service.ts';

const [current, older] = traefikServices as [(typeof traefikServices)[0], (typeof traefikServices)[0]];

const ts: TraefikService = {
  apiVersion: 'traefik.io/v1alpha1',
  kind: 'TraefikService',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    weighted: {
      services: [
        { name: 'other', kind: 'TraefikService', weight: 3 },
        { name: 'web-stable', port: 80, weight: 100 } as { name: string; weight: number },
        { name: 'web-canary', port: 80 } as { name: string },
      ],
    },
  },
};

describe('Traefik weighted TraefikService', () => {
  it('finds the stable and canary Service entries, and no TraefikService of the same name', () => {
    expect(traefikServiceSlots(ts, ROUTER_TARGET)).toEqual([
      {
        pointer: '/spec/weighted/services/1',
        testPath: '/spec/weighted/services/1/name',
        testValue: 'web-stable',
        role: 'stable',
        weight: 100,
      },
      {
        pointer: '/spec/weighted/services/2',
        testPath: '/spec/weighted/services/2/name',
        testValue: 'web-canary',
        role: 'canary',
        weight: undefined,
      },
    ]);
  });

  it('names the Service a TraefikService lacks', () => {
    const noCanary = { ...ts, spec: { weighted: { services: [{ name: 'web-stable' }] } } };
    expect(() => traefikServiceSlots(noCanary, ROUTER_TARGET)).toThrow(
      expect.objectContaining({
        reason: 'TraefikServiceNotManaged',
        message: 'TraefikService shop/web has no spec.weighted.services entry for Service web-canary',
      }),
    );
  });

  it('uses a traefik.containo.us TraefikService where traefik.io is not served', async () => {
    const cluster = new FakeCluster();
    cluster.unserve(current);
    cluster.put(older, { ...ts, apiVersion: 'traefik.containo.us/v1alpha1' });
    await traefikRouter(cluster.api(), ROUTER_TARGET, 'web').setWeight(10);
    const services = cluster.find<TraefikService>(older, 'shop', 'web')?.spec?.weighted?.services;
    expect(services?.map((s) => s.weight)).toEqual([3, 90, 10]);
  });
});

routerContract({
  type: 'traefik',
  resource: current,
  seed: (cluster) => void cluster.put(current, ts),
  newRouter: (api, t) => traefikRouter(api, t, 'web'),
  weights: (cluster) => {
    const services = cluster.find<TraefikService>(current, ROUTER_TARGET.namespace, 'web')?.spec?.weighted
      ?.services;
    const w = (name: string) => services?.find((s) => s.name === name)?.weight ?? 0;
    // The other entry is not the router's.
    expect(w('other')).toBe(3);
    return { canary: w('web-canary'), stable: w('web-stable') };
  },
});
