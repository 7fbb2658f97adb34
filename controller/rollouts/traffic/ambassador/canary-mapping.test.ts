import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import {
  AmbassadorRouter,
  canaryMapping,
  canaryMappingName,
  type Mapping,
  mappings,
} from './canary-mapping.ts';

const [v3, v2] = mappings as [(typeof mappings)[0], (typeof mappings)[0]];

const base: Mapping = {
  apiVersion: 'getambassador.io/v3alpha1',
  kind: 'Mapping',
  metadata: { name: 'web', namespace: 'shop', labels: { team: 'a' } },
  spec: { hostname: '*', prefix: '/web/', service: 'web-stable:8080' },
};

describe('Ambassador canary Mapping', () => {
  it('copies the base Mapping onto the canary Service and port, with the weight, owned by the Rollout', () => {
    const m = canaryMapping(base, ROUTER_TARGET, 30);
    expect(m.metadata).toEqual({
      name: 'web-canary',
      namespace: 'shop',
      ownerReferences: [
        expect.objectContaining({ kind: 'Rollout', name: 'web', uid: 'uid-web', controller: true }),
      ],
    });
    expect(m.spec).toEqual({ hostname: '*', prefix: '/web/', service: 'web-canary:8080', weight: 30 });
    expect(
      canaryMapping({ ...base, spec: { prefix: '/', service: 'web-stable' } }, ROUTER_TARGET, 5).spec
        ?.service,
    ).toBe('web-canary');
  });

  it('refuses a base Mapping that sets a weight, and keeps long names within 253 characters', () => {
    expect(() => canaryMapping({ ...base, spec: { ...base.spec, weight: 50 } }, ROUTER_TARGET, 10)).toThrow(
      expect.objectContaining({ reason: 'MappingNotManaged' }),
    );
    expect(canaryMappingName('m'.repeat(253))).toHaveLength(253);
  });

  it('deletes the canary Mapping at weight 0, and uses getambassador.io/v2 where v3alpha1 is not served', async () => {
    const cluster = new FakeCluster();
    cluster.put(v2, { ...base, apiVersion: 'getambassador.io/v2' });
    const api = cluster.api();
    // v3alpha1 and v2 are one CRD; the fake serves by group and plural, so hide v3alpha1 by version.
    const v2Only = {
      ...api,
      get: (rt: typeof v3, ns: string, name: string) =>
        rt.version === 'v3alpha1' ? api.get({ ...rt, plural: 'unserved' }, ns, name) : api.get(rt, ns, name),
    };
    cluster.unserve({ ...v3, plural: 'unserved' });
    const router = new AmbassadorRouter(v2Only as typeof api, ROUTER_TARGET, ['web']);
    await router.setWeight(20);
    expect(cluster.find<Mapping>(v2, 'shop', 'web-canary')).toMatchObject({
      apiVersion: 'getambassador.io/v2',
      spec: { service: 'web-canary:8080', weight: 20 },
    });
    await router.setWeight(0);
    expect(cluster.find(v2, 'shop', 'web-canary')).toBeUndefined();
    expect(await router.verifyWeight(0)).toBe(true);
  });
});

routerContract({
  type: 'ambassador',
  resource: v3,
  seed: (cluster) => void cluster.put(v3, base),
  newRouter: (api, t) => new AmbassadorRouter(api, t, ['web']),
  weights: (cluster) => {
    expect(cluster.find<Mapping>(v3, ROUTER_TARGET.namespace, 'web')?.spec).toEqual(base.spec);
    const canary = cluster.find<Mapping>(v3, ROUTER_TARGET.namespace, 'web-canary');
    const weight = canary?.spec?.weight ?? 0;
    return { canary: weight, stable: 100 - weight };
  },
});
