// Canary traffic through Traefik, APISIX, Ambassador/Emissary and the AWS Load Balancer
// Controller end to end, against Traefik's, APISIX's and Emissary's published CRDs
// (test/support/router-crds.ts; ALB needs none): the objects at each step, once promoted, and
// after an abort. And what a user sees when a router's CRD is not installed.

import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, ResourceType } from '../../controller/kube/resources.ts';
import { mappings as mappingTypes } from '../../controller/rollouts/traffic/ambassador/canary-mapping.ts';
import { apisixRoutes } from '../../controller/rollouts/traffic/apisix/apisix-route.ts';
import { ingresses } from '../../controller/rollouts/traffic/nginx/canary-ingress.ts';
import { traefikServices as traefikServiceTypes } from '../../controller/rollouts/traffic/traefik/traefik-service.ts';
import { rolloutSuite, SLOW } from '../support/rollouts.ts';
import {
  installApisixRouteCrd,
  installMappingCrd,
  installTraefikServiceCrd,
} from '../support/router-crds.ts';

const suite = rolloutSuite('rollout-gateways');
const { cluster, ro } = suite;

// The kinds as the routers name them; the installed CRDs make sure those are what is served.
const [traefikServices] = traefikServiceTypes as [ResourceType];
const [mappings] = mappingTypes as [ResourceType];

function traefikService(name: string): KubeObject {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'TraefikService',
    metadata: { name, namespace: ro.ns },
    spec: {
      weighted: {
        services: [
          { name: `${name}-stable`, port: 80, weight: 100 },
          { name: `${name}-canary`, port: 80, weight: 0 },
        ],
      },
    },
  };
}

describe('a router whose CRD is not installed', () => {
  it(
    'stalls the Rollout naming the kind not served, with a Warning event, and routes once the CRD and object exist',
    async () => {
      await ro.createRouted('miss', { traefik: { weightedTraefikServiceName: 'miss' } }, [
        { setWeight: 50 },
        { pause: {} },
      ]);
      const stalled = await ro.waitFor('miss', (r) => {
        expect(r.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
          status: 'True',
          reason: 'TraefikServiceNotServed',
        });
      });
      expect(stalled.status?.message).toContain(
        'the API server does not serve TraefikService (traefik.io/v1alpha1): is its CustomResourceDefinition installed?',
      );
      await ro.waitFor('miss', async () => {
        const warning = (await ro.events('miss')).find((e) => e.reason === 'TraefikServiceNotServed');
        expect(warning?.type).toBe('Warning');
      });

      await installTraefikServiceCrd(cluster);
      await cluster.api.create(traefikServices, traefikService('miss'));
      await ro.waitFor('miss', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.conditions?.find((c) => c.type === 'Stalled')?.status).not.toBe('True');
      });
    },
    SLOW,
  );
});

describe('Traefik, APISIX, Ambassador and ALB routers', () => {
  beforeAll(async () => {
    await installTraefikServiceCrd(cluster);
    await installApisixRouteCrd(cluster);
    await installMappingCrd(cluster);
  }, SLOW);

  /**
   * One Rollout through two updates: what `read` sees at 30% and 60%, once fully promoted, then
   * at 30% of the next update and after it is aborted.
   */
  async function stepsPromotionAbort(
    name: string,
    trafficRouting: object,
    read: () => Promise<unknown>,
  ): Promise<Record<string, unknown>> {
    await ro.createRouted(
      name,
      trafficRouting,
      [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
      2,
    );
    await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Healthy'));
    const seen: Record<string, unknown> = {};
    await ro.setImage(name, `example.invalid/${name}:2`);
    await ro.waitFor(name, (r) => {
      expect(r.status?.phase).toBe('Paused');
      expect(r.status?.currentStepIndex).toBe(1);
    });
    seen.at30 = await read();
    await ro.promote(name);
    await ro.waitFor(name, (r) => {
      expect(r.status?.phase).toBe('Paused');
      expect(r.status?.currentStepIndex).toBe(3);
    });
    seen.at60 = await read();
    await ro.promoteFull(name);
    await ro.waitFor(name, (r) => {
      expect(r.status?.phase).toBe('Healthy');
      expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
      expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
    });
    seen.promoted = await read();

    await ro.setImage(name, `example.invalid/${name}:3`);
    await ro.waitFor(name, (r) => {
      expect(r.status?.phase).toBe('Paused');
      expect(r.status?.currentStepIndex).toBe(1);
    });
    seen.next30 = await read();
    await ro.abort(name);
    await ro.waitFor(name, (r) => {
      expect(r.status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('RolloutAborted');
      expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
    });
    seen.aborted = await read();
    return seen;
  }

  /** The same weights in each form a router writes them. */
  const each = <T>(form: (canary: number) => T) => ({
    at30: form(30),
    at60: form(60),
    promoted: form(0),
    next30: form(30),
    aborted: form(0),
  });

  it(
    'write the canary and stable weights at each step, all to stable once promoted and after an abort',
    async () => {
      await cluster.api.create(traefikServices, traefikService('trf'));
      await cluster.api.create(apisixRoutes, {
        apiVersion: 'apisix.apache.org/v2',
        kind: 'ApisixRoute',
        metadata: { name: 'apx', namespace: ro.ns },
        spec: {
          http: [
            {
              name: 'admin',
              match: { paths: ['/admin/*'] },
              backends: [{ serviceName: 'apx-stable', servicePort: 80 }],
            },
            {
              name: 'main',
              match: { paths: ['/*'] },
              backends: [
                { serviceName: 'apx-stable', servicePort: 80, weight: 100 },
                { serviceName: 'apx-canary', servicePort: 80, weight: 0 },
              ],
            },
          ],
        },
      });
      const baseMapping = { hostname: '*', prefix: '/amb/', service: 'amb-stable:8080' };
      await cluster.api.create(mappings, {
        apiVersion: 'getambassador.io/v3alpha1',
        kind: 'Mapping',
        metadata: { name: 'amb', namespace: ro.ns },
        spec: baseMapping,
      });
      const userAnnotations = { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' };
      await cluster.api.create(ingresses, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'alb', namespace: ro.ns, annotations: userAnnotations },
        spec: {
          ingressClassName: 'alb',
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'alb-stable', port: { name: 'use-annotation' } } },
                  },
                ],
              },
            },
          ],
        },
      });

      type Spec<T> = KubeObject & { spec: T };
      const [traefik, apisix, ambassador, alb] = await Promise.all([
        stepsPromotionAbort('trf', { traefik: { weightedTraefikServiceName: 'trf' } }, async () => {
          const ts = await cluster.api.get<
            Spec<{ weighted: { services: { name: string; weight: number }[] } }>
          >(traefikServices, ro.ns, 'trf');
          return Object.fromEntries(ts.spec.weighted.services.map((s) => [s.name, s.weight]));
        }),
        stepsPromotionAbort('apx', { apisix: { route: { name: 'apx', rules: ['main'] } } }, async () => {
          type Http = { name: string; backends: { serviceName: string; weight?: number }[] }[];
          const route = await cluster.api.get<Spec<{ http: Http }>>(apisixRoutes, ro.ns, 'apx');
          const weights = (rule: string) =>
            Object.fromEntries(
              (route.spec.http.find((h) => h.name === rule)?.backends ?? []).map((b) => [
                b.serviceName,
                b.weight,
              ]),
            );
          return { main: weights('main'), admin: weights('admin') };
        }),
        stepsPromotionAbort('amb', { ambassador: { mappings: ['amb'] } }, async () => {
          type MappingSpec = Spec<Record<string, unknown>>;
          const base = await cluster.api.get<MappingSpec>(mappings, ro.ns, 'amb');
          const canary = await cluster.api.getOrUndefined<MappingSpec>(mappings, ro.ns, 'amb-canary');
          return {
            base: base.spec,
            canary: canary && { spec: canary.spec, owner: canary.metadata.ownerReferences?.[0]?.name },
          };
        }),
        stepsPromotionAbort('alb', { alb: { ingress: 'alb', servicePort: 80 } }, async () => {
          const ing = await cluster.api.get(ingresses, ro.ns, 'alb');
          const { 'alb.ingress.kubernetes.io/actions.alb-stable': action, ...rest } =
            ing.metadata.annotations ?? {};
          return { action: action && JSON.parse(action), rest };
        }),
      ]);

      expect(traefik).toEqual(each((w) => ({ 'trf-stable': 100 - w, 'trf-canary': w })));
      expect(apisix).toEqual(
        each((w) => ({
          main: { 'apx-stable': 100 - w, 'apx-canary': w },
          admin: { 'apx-stable': undefined },
        })),
      );
      expect(ambassador).toEqual(
        each((w) => ({
          base: baseMapping,
          canary:
            w === 0
              ? undefined
              : { spec: { ...baseMapping, service: 'amb-canary:8080', weight: w }, owner: 'amb' },
        })),
      );
      expect(alb).toEqual(
        each((w) => ({
          rest: userAnnotations,
          action: {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { ServiceName: 'alb-canary', ServicePort: '80', Weight: w },
                { ServiceName: 'alb-stable', ServicePort: '80', Weight: 100 - w },
              ],
            },
          },
        })),
      );
    },
    // Two updates of four Rollouts side by side.
    2 * SLOW,
  );
});
