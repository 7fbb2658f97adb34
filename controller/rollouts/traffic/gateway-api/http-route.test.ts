import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { weightPatch, weightsInEffect } from '../weighted-backends.ts';
import { GatewayApiRouter, type HttpRoute, httpRouteSlots, httpRoutes } from './http-route.ts';
import type { BackendRef } from './managed-rules.ts';

const target = ROUTER_TARGET;
const route: HttpRoute = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    rules: [
      { backendRefs: [{ name: 'other', weight: 1 }] },
      {
        backendRefs: [
          { name: 'web-stable', weight: 100 },
          { name: 'web-canary', weight: 0 },
        ],
      },
    ],
  },
};

describe('HTTPRoute backend weights', () => {
  it('finds the rules that send to both Services', () => {
    const slots = httpRouteSlots(route, target);
    expect(slots.map((s) => [s.pointer, s.role, s.weight])).toEqual([
      ['/spec/rules/1/backendRefs/0', 'stable', 100],
      ['/spec/rules/1/backendRefs/1', 'canary', 0],
    ]);
  });

  it('patches only weights that differ, each guarded by a test of the backend name', () => {
    const ops = weightPatch(httpRouteSlots(route, target), 30, 100);
    expect(ops).toEqual([
      { op: 'test', path: '/spec/rules/1/backendRefs/0/name', value: 'web-stable' },
      { op: 'add', path: '/spec/rules/1/backendRefs/0/weight', value: 70 },
      { op: 'test', path: '/spec/rules/1/backendRefs/1/name', value: 'web-canary' },
      { op: 'add', path: '/spec/rules/1/backendRefs/1/weight', value: 30 },
    ]);
    expect(weightPatch(httpRouteSlots(route, target), 0, 100)).toEqual([]);
    expect(weightsInEffect(httpRouteSlots(route, target), 0, 100)).toBe(true);
    expect(weightsInEffect(httpRouteSlots(route, target), 30, 100)).toBe(false);
  });

  it('gives the stable what is left of maxTrafficWeight', () => {
    expect(weightPatch(httpRouteSlots(route, target), 5, 1000)).toEqual([
      { op: 'test', path: '/spec/rules/1/backendRefs/0/name', value: 'web-stable' },
      { op: 'add', path: '/spec/rules/1/backendRefs/0/weight', value: 995 },
      { op: 'test', path: '/spec/rules/1/backendRefs/1/name', value: 'web-canary' },
      { op: 'add', path: '/spec/rules/1/backendRefs/1/weight', value: 5 },
    ]);
    expect(weightsInEffect(httpRouteSlots(route, target), 0, 1000)).toBe(false);
  });

  it('ignores backends of another kind or namespace', () => {
    const other: HttpRoute = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        rules: [
          {
            backendRefs: [
              { name: 'web-stable', kind: 'ServiceImport' },
              { name: 'web-canary', namespace: 'x' },
            ],
          },
        ],
      },
    };
    expect(httpRouteSlots(other, target)).toEqual([]);
  });
});

describe('Gateway API mirror routes', () => {
  it('takes a mirror rule out again when the API server drops its percent (CRD before v1.3)', async () => {
    const cluster = new FakeCluster();
    cluster.put(httpRoutes, {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        rules: [
          {
            backendRefs: [
              { name: 'web-stable', port: 80 },
              { name: 'web-canary', port: 80 },
            ],
          },
        ],
      },
    });
    const api = cluster.api();
    // An old CRD prunes the field it does not declare.
    const pruning = {
      ...api,
      jsonPatch: (rt: typeof httpRoutes, ns: string | undefined, name: string, ops: unknown[]) =>
        api.jsonPatch(rt, ns, name, JSON.parse(JSON.stringify(ops).replaceAll(',"percent":35', ''))),
    } as typeof api;
    const router = new GatewayApiRouter(pruning, { ...target, managedRoutes: ['mirror'] }, 'shop', ['web']);
    await expect(
      router.setMirrorRoute({ name: 'mirror', percentage: 35, match: [{ path: { prefix: '/' } }] }),
    ).rejects.toMatchObject({ reason: 'RequestMirrorPercentNotServed' });
    expect(cluster.find<HttpRoute>(httpRoutes, 'shop', 'web')?.spec?.rules?.map((r) => r.name)).toEqual([
      undefined,
    ]);
  });
});

routerContract({
  type: 'gatewayAPI',
  resource: httpRoutes,
  seed: (cluster) =>
    void cluster.put(httpRoutes, {
      ...route,
      spec: {
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              { name: 'web-stable', port: 80, weight: 100 },
              { name: 'web-canary', port: 80, weight: 0 },
            ],
          },
        ],
      },
    }),
  newRouter: (api, t) => new GatewayApiRouter(api, t, t.namespace, ['web']),
  weights: (cluster) => {
    const rules = cluster.find<HttpRoute>(httpRoutes, ROUTER_TARGET.namespace, 'web')?.spec?.rules ?? [];
    // The user's rule: managed rules are named.
    const refs: BackendRef[] = rules.find((r) => r.name === undefined)?.backendRefs ?? [];
    const w = (name: string) => refs.find((r) => r.name === name)?.weight ?? 0;
    return { canary: w('web-canary'), stable: w('web-stable') };
  },
  headerRoute: (cluster) => {
    const rules = cluster.find<HttpRoute>(httpRoutes, ROUTER_TARGET.namespace, 'web')?.spec?.rules ?? [];
    const rule = rules.find((r) => r.name === 'canary-header');
    if (!rule) return undefined;
    expect(rule.backendRefs).toEqual([{ name: 'web-canary', port: 80 }]);
    // The header is added to the weighted rule's own path match.
    const match = rule.matches?.[0];
    expect(match?.path).toEqual({ type: 'PathPrefix', value: '/' });
    const h = match?.headers?.[0];
    return h?.type === 'Exact' ? { header: h.name, value: h.value } : undefined;
  },
  mirrorRoute: (cluster) => {
    const rules = cluster.find<HttpRoute>(httpRoutes, ROUTER_TARGET.namespace, 'web')?.spec?.rules ?? [];
    const rule = rules.find((r) => r.name === 'canary-mirror');
    if (!rule) return undefined;
    expect(rule.matches).toEqual([{ method: 'GET', path: { type: 'PathPrefix', value: '/api' } }]);
    const filter = rule.filters?.find((f) => f.type === 'RequestMirror')?.requestMirror as
      | { backendRef: BackendRef; percent: number }
      | undefined;
    expect(filter?.backendRef).toEqual({ name: 'web-canary', port: 80 });
    return filter ? { percentage: filter.percent } : undefined;
  },
});
