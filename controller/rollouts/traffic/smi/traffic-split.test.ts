import { describe, expect, it } from 'vitest';
import { trafficSplit } from './traffic-split.ts';

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
