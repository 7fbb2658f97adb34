import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { TrafficRouterError } from '../router.ts';
import {
  canaryIngress,
  headerRouteAnnotations,
  type Ingress,
  ingresses,
  NginxRouter,
} from './canary-ingress.ts';

const target = ROUTER_TARGET;
const opts = {
  stableIngress: 'web',
  annotationPrefix: 'nginx.ingress.kubernetes.io',
  additionalAnnotations: { 'canary-by-header': 'X-Canary' },
};
const stable: Ingress = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    annotations: { 'kubernetes.io/ingress.class': 'nginx', other: 'x' },
  },
  spec: {
    rules: [
      {
        host: 'shop.example',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'web-stable', port: { number: 80 } } },
            },
            {
              path: '/admin',
              pathType: 'Prefix',
              backend: { service: { name: 'admin', port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

describe('NGINX canary Ingress', () => {
  it('copies the stable Ingress onto the canary Service with the canary annotations', () => {
    const ing = canaryIngress(stable, target, opts, 30);
    expect(ing.metadata.name).toBe('web-web-canary');
    expect(ing.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '30',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      'kubernetes.io/ingress.class': 'nginx',
    });
    const paths = ing.spec?.rules?.[0]?.http?.paths ?? [];
    expect(paths.map((p) => p.backend.service?.name)).toEqual(['web-canary', 'admin']);
    expect(ing.metadata.ownerReferences?.[0]?.kind).toBe('Rollout');
  });

  it('tells NGINX the total when maxTrafficWeight is not 100', () => {
    const ing = canaryIngress(stable, { ...target, maxWeight: 1000 }, opts, 5);
    expect(ing.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary-weight': '5',
      'nginx.ingress.kubernetes.io/canary-weight-total': '1000',
    });
  });

  it('routes one header: an exact value, or a prefix or regex as a pattern, replacing additionalIngressAnnotations', () => {
    const p = opts.annotationPrefix;
    const exact = headerRouteAnnotations(
      { name: 'h', match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] },
      p,
    );
    expect(canaryIngress(stable, target, opts, 10, exact).metadata.annotations).toEqual({
      [`${p}/canary`]: 'true',
      [`${p}/canary-weight`]: '10',
      [`${p}/canary-by-header`]: 'x-canary',
      [`${p}/canary-by-header-value`]: 'yes',
      'sluice.dev/header-route': 'h',
      'kubernetes.io/ingress.class': 'nginx',
    });
    expect(
      headerRouteAnnotations(
        { name: 'h', match: [{ headerName: 'x-user', headerValue: { prefix: 'beta.' } }] },
        p,
      ),
    ).toMatchObject({ [`${p}/canary-by-header-pattern`]: '^beta\\..*' });
    expect(() => headerRouteAnnotations({ name: 'h', match: [] }, p)).toThrow(
      'setHeaderRoute h: the nginx router routes by one header, not 0',
    );
  });

  it('puts canaryIngressAnnotations on the canary Ingress by their full names', () => {
    const ing = canaryIngress(
      stable,
      target,
      { ...opts, canaryAnnotations: { 'example.com/team': 'shop' } },
      5,
    );
    expect(ing.metadata.annotations?.['example.com/team']).toBe('shop');
  });

  it('gives each of stableIngresses its own canary Ingress, verified only when all carry the weight', async () => {
    const cluster = new FakeCluster();
    const admin: Ingress = { ...stable, metadata: { ...stable.metadata, name: 'admin-ing' } };
    cluster.put(ingresses, stable);
    cluster.put(ingresses, admin);
    const router = new NginxRouter(cluster.api(), target, { ...opts, stableIngresses: ['web', 'admin-ing'] });
    await router.setWeight(20);
    const weightOf = (name: string) =>
      cluster.find<Ingress>(ingresses, 'shop', name)?.metadata.annotations?.[
        'nginx.ingress.kubernetes.io/canary-weight'
      ];
    expect([weightOf('web-web-canary'), weightOf('web-admin-ing-canary')]).toEqual(['20', '20']);
    expect(await router.verifyWeight(20)).toBe(true);
    await cluster.api().delete(ingresses, 'shop', 'web-admin-ing-canary');
    expect(await router.verifyWeight(20)).toBe(false);
  });

  it('refuses a stable Ingress that never sends to stableService', () => {
    expect(() => canaryIngress({ metadata: { name: 'x' }, spec: {} }, target, opts, 10)).toThrow(
      TrafficRouterError,
    );
  });
});

routerContract({
  type: 'nginx',
  resource: ingresses,
  seed: (cluster) => void cluster.put(ingresses, stable),
  newRouter: (api, t) => new NginxRouter(api, t, { ...opts, stableIngresses: ['web'] }),
  weights: (cluster) => {
    const canary = cluster.find<Ingress>(ingresses, ROUTER_TARGET.namespace, 'web-web-canary');
    const weight = Number(canary?.metadata.annotations?.[`${opts.annotationPrefix}/canary-weight`] ?? 0);
    return { canary: weight, stable: 100 - weight };
  },
  headerRoute: (cluster) => {
    const a = cluster.find<Ingress>(ingresses, ROUTER_TARGET.namespace, 'web-web-canary')?.metadata
      .annotations;
    const header = a?.[`${opts.annotationPrefix}/canary-by-header`];
    const value = a?.[`${opts.annotationPrefix}/canary-by-header-value`];
    // additionalIngressAnnotations' canary-by-header (X-Canary) is what stays without a header route.
    return header && header !== 'X-Canary' && value !== undefined ? { header, value } : undefined;
  },
});
