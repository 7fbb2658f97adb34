import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../../../../test/support/fake-cluster.ts';
import { ROUTER_TARGET, routerContract } from '../../../../test/support/router-contract.ts';
import { type Ingress, ingresses } from '../nginx/canary-ingress.ts';
import { AlbRouter, albAction, albActionWeight } from './alb-actions.ts';

const KEY = 'alb.ingress.kubernetes.io/actions.web-stable';
const ingress: Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'web',
    namespace: 'shop',
    annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' },
  },
  spec: {
    ingressClassName: 'alb',
    rules: [
      {
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'web-stable', port: { name: 'use-annotation' } } },
            },
          ],
        },
      },
    ],
  },
};
const opts = {
  ingresses: ['web'],
  servicePort: 80,
  actionService: 'web-stable',
  annotationPrefix: 'alb.ingress.kubernetes.io',
};

describe('ALB forward action', () => {
  it('gives the canary and stable target groups their weights on servicePort, as Argo Rollouts writes them', () => {
    expect(JSON.stringify(albAction(ROUTER_TARGET, 443, 25))).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary","ServicePort":"443","Weight":25},{"ServiceName":"web-stable","ServicePort":"443","Weight":75}]}}',
    );
  });

  it('gives the stable what is left of maxTrafficWeight', () => {
    const target = { ...ROUTER_TARGET, maxWeight: 1000 };
    const action = albAction(target, 80, 5);
    expect(action.ForwardConfig.TargetGroups.map((g) => g.Weight)).toEqual([5, 995]);
    expect(albActionWeight(JSON.stringify(action), target)).toBe(5);
    expect(albActionWeight(JSON.stringify(action), ROUTER_TARGET)).toBeUndefined();
  });

  it('reads back only an action that splits between the two Services', () => {
    expect(albActionWeight(JSON.stringify(albAction(ROUTER_TARGET, 80, 40)), ROUTER_TARGET)).toBe(40);
    expect(albActionWeight('{"Type":"fixed-response"}', ROUTER_TARGET)).toBeUndefined();
    expect(albActionWeight('not json', ROUTER_TARGET)).toBeUndefined();
  });

  it('refuses an Ingress with no rule for the action, and leaves its other annotations alone', async () => {
    const cluster = new FakeCluster();
    cluster.put(ingresses, ingress);
    await new AlbRouter(cluster.api(), ROUTER_TARGET, opts).setWeight(10);
    expect(cluster.find<Ingress>(ingresses, 'shop', 'web')?.metadata.annotations).toEqual({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      [KEY]: JSON.stringify(albAction(ROUTER_TARGET, 80, 10)),
    });
    const other = new AlbRouter(cluster.api(), ROUTER_TARGET, { ...opts, actionService: 'web-root' });
    await expect(other.setWeight(10)).rejects.toMatchObject({
      reason: 'IngressNotManaged',
      message: expect.stringContaining('Ingress shop/web has no rule with backend service web-root'),
    });
  });
});

routerContract({
  type: 'alb',
  resource: ingresses,
  seed: (cluster) => void cluster.put(ingresses, ingress),
  newRouter: (api, t) => new AlbRouter(api, t, opts),
  weights: (cluster) => {
    const ing = cluster.find<Ingress>(ingresses, ROUTER_TARGET.namespace, 'web');
    const canary = albActionWeight(ing?.metadata.annotations?.[KEY], ROUTER_TARGET) ?? 0;
    return { canary, stable: 100 - canary };
  },
});
