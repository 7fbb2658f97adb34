import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { seenIstioHeaderRoute, seenIstioMirrorRoute } from '../../../../test/support/istio-seen-routes.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../../labels.ts';
import {
  type DestinationRule,
  destinationRules,
  subsetLabelPatch,
  subsetsInStep,
} from './destination-rule.ts';
import { IstioRouter } from './istio-router.ts';
import { type VirtualService, virtualServices } from './virtual-service.ts';

const rule = { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' };
const dr: DestinationRule = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    host: 'web',
    subsets: [
      { name: 'other', labels: { track: 'x' } },
      { name: 'stable', labels: { app: 'web' } },
      { name: 'canary' },
    ],
  },
};
const vs: VirtualService = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    http: [
      {
        name: 'primary',
        route: [
          { destination: { host: 'web', subset: 'stable' }, weight: 100 },
          { destination: { host: 'web', subset: 'canary' }, weight: 0 },
        ],
      },
    ],
  },
};

describe('DestinationRule subset labels', () => {
  it('adds the hash label to the two subsets, keeping their other labels', () => {
    expect(subsetLabelPatch(dr, rule, { canary: 'c1', stable: 's1' })).toEqual([
      { op: 'test', path: '/spec/subsets/2/name', value: 'canary' },
      { op: 'add', path: '/spec/subsets/2/labels', value: { [POD_TEMPLATE_HASH_LABEL]: 'c1' } },
      { op: 'test', path: '/spec/subsets/1/name', value: 'stable' },
      { op: 'add', path: `/spec/subsets/1/labels/${POD_TEMPLATE_HASH_LABEL}`, value: 's1' },
    ]);
  });

  it('changes nothing when the subsets already follow the hashes, and removes a hash that is gone', () => {
    const inStep: DestinationRule = {
      ...dr,
      spec: {
        subsets: [
          { name: 'canary', labels: { [POD_TEMPLATE_HASH_LABEL]: 'c1' } },
          { name: 'stable', labels: { [POD_TEMPLATE_HASH_LABEL]: 's1' } },
        ],
      },
    };
    expect(subsetLabelPatch(inStep, rule, { canary: 'c1', stable: 's1' })).toEqual([]);
    expect(subsetsInStep(inStep, rule, { canary: 'c1', stable: 's1' })).toBe(true);
    expect(subsetsInStep(inStep, rule, { canary: 'c2', stable: 's1' })).toBe(false);
    expect(subsetLabelPatch(inStep, rule, { canary: 'c1' })).toEqual([
      { op: 'test', path: '/spec/subsets/1/name', value: 'stable' },
      { op: 'remove', path: `/spec/subsets/1/labels/${POD_TEMPLATE_HASH_LABEL}` },
    ]);
  });

  it('names a subset the DestinationRule lacks', () => {
    expect(() => subsetLabelPatch(dr, { ...rule, canarySubsetName: 'preview' }, {})).toThrow(
      expect.objectContaining({
        reason: 'DestinationRuleSubsetNotFound',
        message: 'DestinationRule shop/web has no subset named preview',
      }),
    );
  });

  it('moves the subsets before the weights, and verifies both', async () => {
    const cluster = new FakeCluster();
    cluster.put(destinationRules, dr);
    cluster.put(virtualServices, vs);
    const target = { ...ROUTER_TARGET, canaryHash: 'c2', stableHash: 's1' };
    const router = new IstioRouter(cluster.api(), target, {
      virtualServices: [{ name: 'web' }],
      destinationRule: rule,
    });
    await router.setWeight(30);
    expect(cluster.writes.map((w) => w.resource)).toEqual(['destinationrules', 'virtualservices']);
    expect(await router.verifyWeight(30)).toBe(true);
    const stale = new IstioRouter(
      cluster.api(),
      { ...target, canaryHash: 'c3' },
      {
        virtualServices: [{ name: 'web' }],
        destinationRule: rule,
      },
    );
    expect(await stale.verifyWeight(30)).toBe(false);
  });
});

routerContract({
  type: 'istio',
  form: 'destinationRule subsets',
  resource: destinationRules,
  seed: (cluster) => {
    cluster.put(destinationRules, dr);
    cluster.put(virtualServices, vs);
  },
  newRouter: (api, t) =>
    new IstioRouter(
      api,
      { ...t, canaryHash: 'c1', stableHash: 's1' },
      {
        virtualServices: [{ name: 'web', routes: ['primary'] }],
        destinationRule: rule,
      },
    ),
  weights: (cluster) => {
    const subsets = cluster.find<DestinationRule>(destinationRules, 'shop', 'web')?.spec?.subsets ?? [];
    const hash = (name: string) => subsets.find((s) => s.name === name)?.labels?.[POD_TEMPLATE_HASH_LABEL];
    expect([hash('canary'), hash('stable')]).toEqual(['c1', 's1']);
    const route =
      cluster
        .find<VirtualService>(virtualServices, 'shop', 'web')
        ?.spec?.http?.find((r) => r.name === 'primary')?.route ?? [];
    const w = (subset: string) => route.find((d) => d.destination?.subset === subset)?.weight ?? 0;
    return { canary: w('canary'), stable: w('stable') };
  },
  headerRoute: (cluster) =>
    seenIstioHeaderRoute(cluster.find<VirtualService>(virtualServices, 'shop', 'web')),
  mirrorRoute: (cluster) =>
    seenIstioMirrorRoute(cluster.find<VirtualService>(virtualServices, 'shop', 'web')),
});
