import { describe, expect, it } from 'vitest';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { SmiRouter, type TrafficSplit, trafficSplit, trafficSplits } from './traffic-split.ts';

describe('SMI TrafficSplit', () => {
  it('splits the root Service between canary and stable, owned by the Rollout', () => {
    const ts = trafficSplit(
      { rolloutName: 'web', rolloutUid: 'u1', namespace: 'shop', stableService: 's', canaryService: 'c' },
      'web',
      'root',
      25,
    );
    expect(ts.spec).toEqual({
      service: 'root',
      backends: [
        { service: 'c', weight: 25 },
        { service: 's', weight: 75 },
      ],
    });
    expect(ts.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Rollout', uid: 'u1', controller: true });
  });
});

routerContract({
  type: 'smi',
  resource: trafficSplits,
  seed: () => undefined,
  newRouter: (api, t) => new SmiRouter(api, t, 'web', 'web-root'),
  weights: (cluster) => {
    const ts = cluster.find<TrafficSplit>(trafficSplits, ROUTER_TARGET.namespace, 'web');
    const w = (svc: string) => ts?.spec?.backends?.find((b) => b.service === svc)?.weight ?? 0;
    return { canary: w('web-canary'), stable: w('web-stable') };
  },
});
