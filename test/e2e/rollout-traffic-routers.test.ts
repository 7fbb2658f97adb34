// Canary traffic routers end to end: the weights they write into Gateway API HTTPRoutes,
// Istio VirtualServices, SMI TrafficSplits and NGINX canary Ingresses at each step.

import { beforeAll, describe, expect, it } from 'vitest';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL, rolloutSuite, SLOW, service, template } from '../support/rollouts.ts';
import {
  installHttpRouteCrd,
  installTrafficSplitCrd,
  installVirtualServiceCrd,
} from '../support/router-crds.ts';

const suite = rolloutSuite('rollout-routers');
const { cluster, ro } = suite;

describe('Gateway API HTTPRoute', () => {
  beforeAll(async () => {
    await installHttpRouteCrd(cluster);
  }, 300_000);

  it(
    'sets backend weights at each step and returns all traffic to stable once promoted',
    async () => {
      for (const name of ['gw-stable', 'gw-canary'])
        await cluster.api.create(core.services, service(ro.ns, name, 'gw'));
      const routes = {
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        kind: 'HTTPRoute',
        plural: 'httproutes',
        namespaced: true,
      };
      await cluster.api.create(routes, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'gw', namespace: ro.ns },
        spec: {
          rules: [
            {
              backendRefs: [
                { name: 'gw-stable', port: 80, weight: 100 },
                { name: 'gw-canary', port: 80, weight: 0 },
              ],
            },
          ],
        },
      });
      const weights = async () => {
        const r = await cluster.api.get<
          KubeObject & { spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] } }
        >(routes, ro.ns, 'gw');
        return Object.fromEntries((r.spec.rules[0]?.backendRefs ?? []).map((b) => [b.name, b.weight]));
      };
      await ro.create('gw', {
        replicas: 2,
        selector: { matchLabels: { app: 'gw' } },
        template: template('gw', 'example.invalid/gw:1'),
        strategy: {
          canary: {
            stableService: 'gw-stable',
            canaryService: 'gw-canary',
            trafficRouting: { gatewayAPI: { httpRoute: 'gw' } },
            steps: [{ setWeight: 30 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
          },
        },
      });
      const h1 = (await ro.waitFor('gw', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      await ro.setImage('gw', 'example.invalid/gw:2');
      const first = await ro.waitFor('gw', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      const h2 = first.status?.currentPodHash as string;
      expect(await weights()).toEqual({ 'gw-stable': 70, 'gw-canary': 30 });
      expect(first.status?.canary?.weights).toMatchObject({
        canary: { weight: 30, podTemplateHash: h2 },
        stable: { weight: 70 },
        verified: true,
      });
      expect(await ro.scale('gw')).toMatchObject({ [h1]: { spec: 2 }, [h2]: { spec: 1 } });
      expect(await ro.selector('gw-canary')).toBe(h2);
      expect(await ro.selector('gw-stable')).toBe(h1);

      await ro.promote('gw');
      await ro.waitFor('gw', (r) => expect(r.status?.currentStepIndex).toBe(3));
      expect(await weights()).toEqual({ 'gw-stable': 40, 'gw-canary': 60 });

      await ro.promote('gw');
      await ro.waitFor('gw', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      await ro.waitFor('gw', async () => {
        expect(await weights()).toEqual({ 'gw-stable': 100, 'gw-canary': 0 });
        expect(await ro.selector('gw-stable')).toBe(h2);
      });
    },
    SLOW,
  );
});

describe('Istio, SMI and NGINX routers', () => {
  beforeAll(async () => {
    await installVirtualServiceCrd(cluster);
    await installTrafficSplitCrd(cluster);
  }, SLOW);

  const gvr = (group: string, version: string, kind: string, plural: string) => ({
    group,
    version,
    kind,
    plural,
    namespaced: true,
  });
  const vsType = gvr('networking.istio.io', 'v1beta1', 'VirtualService', 'virtualservices');
  const tsType = gvr('split.smi-spec.io', 'v1alpha2', 'TrafficSplit', 'trafficsplits');
  const ingType = gvr('networking.k8s.io', 'v1', 'Ingress', 'ingresses');

  interface Ingress extends KubeObject {
    spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] };
  }

  /** The user's Ingress `name` (or `ingress`), routing to `<name>-stable`. */
  async function stableIngress(name: string, ingress = name): Promise<void> {
    const backend = { service: { name: `${name}-stable`, port: { number: 80 } } };
    await cluster.api.create(ingType, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: ingress, namespace: ro.ns },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: `${name}.example`, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
      },
    });
  }

  /** What the canary Ingress NGINX reads says. */
  async function canaryIngress(name: string, ingress = name) {
    const ing = await cluster.api.get<Ingress>(ingType, ro.ns, `${name}-${ingress}-canary`);
    return {
      canary: ing.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'],
      weight: ing.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'],
      ...(ing.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight-total']
        ? { total: ing.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight-total'] }
        : {}),
      backend: ing.spec.rules[0]?.http.paths[0]?.backend.service.name,
    };
  }

  /** A routed canary through one update: what `read` sees at the pause, and after promotion. */
  async function routed(
    name: string,
    trafficRouting: object,
    read: () => Promise<unknown>,
    setWeight = 40,
  ): Promise<unknown[]> {
    await ro.createRouted(name, trafficRouting, [{ setWeight }, { pause: {} }]);
    await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Healthy'));
    await ro.setImage(name, `example.invalid/${name}:2`);
    await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Paused'));
    const during = await read();
    await ro.promoteFull(name);
    await ro.waitFor(name, (r) => {
      expect(r.status?.phase).toBe('Healthy');
      expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
      expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
    });
    return [during, await read()];
  }

  it(
    'set weights in a VirtualService, a TrafficSplit and a canary Ingress at each step',
    async () => {
      await cluster.api.create(vsType, {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata: { name: 'ist', namespace: ro.ns },
        spec: {
          hosts: ['ist.example'],
          http: [
            {
              name: 'primary',
              route: [
                { destination: { host: 'ist-stable' }, weight: 100 },
                { destination: { host: 'ist-canary' }, weight: 0 },
              ],
            },
          ],
        },
      });
      await stableIngress('ngx');
      interface VirtualService extends KubeObject {
        spec: { http: { route: { weight?: number }[] }[] };
      }
      const [istio, smi, nginx] = await Promise.all([
        routed('ist', { istio: { virtualService: { name: 'ist', routes: ['primary'] } } }, async () => {
          const vs = await cluster.api.get<VirtualService>(vsType, ro.ns, 'ist');
          return vs.spec.http[0]?.route.map((r) => r.weight);
        }),
        routed('smi', { smi: {} }, async () => (await cluster.api.get(tsType, ro.ns, 'smi')).spec),
        routed('ngx', { nginx: { stableIngress: 'ngx' } }, () => canaryIngress('ngx')),
      ]);
      expect(istio).toEqual([
        [60, 40],
        [100, 0],
      ]);
      const split = (canary: number) => ({
        service: 'smi-stable',
        backends: [
          { service: 'smi-canary', weight: canary },
          { service: 'smi-stable', weight: 100 - canary },
        ],
      });
      expect(smi).toEqual([split(40), split(0)]);
      expect(nginx).toEqual([
        { canary: 'true', weight: '40', backend: 'ngx-canary' },
        { canary: 'true', weight: '0', backend: 'ngx-canary' },
      ]);
    },
    SLOW,
  );

  it(
    'sets NGINX and SMI together at each step when a Rollout names both',
    async () => {
      await stableIngress('both');
      const [during, after] = await routed(
        'both',
        { nginx: { stableIngress: 'both' }, smi: {} },
        async () => ({
          ingress: await canaryIngress('both'),
          split: (await cluster.api.get(tsType, ro.ns, 'both')).spec,
          weights: (await ro.get('both')).status?.canary?.weights,
        }),
      );
      const both = (canary: number) => ({
        ingress: { canary: 'true', weight: String(canary), backend: 'both-canary' },
        split: {
          service: 'both-stable',
          backends: [
            { service: 'both-canary', weight: canary },
            { service: 'both-stable', weight: 100 - canary },
          ],
        },
        weights: expect.objectContaining({
          canary: expect.objectContaining({ weight: canary }),
          verified: true,
        }),
      });
      expect(during).toEqual(both(40));
      expect(after).toEqual(both(0));
    },
    SLOW,
  );

  it(
    'with maxTrafficWeight, write weights out of it, and the API server refuses a setWeight above it',
    async () => {
      await stableIngress('max');
      const routing = { nginx: { stableIngress: 'max' }, smi: {}, maxTrafficWeight: 1000 };
      const [during, after] = await routed(
        'max',
        routing,
        async () => ({
          ingress: await canaryIngress('max'),
          split: ((await cluster.api.get(tsType, ro.ns, 'max')).spec as { backends?: unknown }).backends,
          weights: (await ro.get('max')).status?.canary?.weights,
        }),
        5,
      );
      const at = (canary: number) => ({
        ingress: { canary: 'true', weight: String(canary), total: '1000', backend: 'max-canary' },
        split: [
          { service: 'max-canary', weight: canary },
          { service: 'max-stable', weight: 1000 - canary },
        ],
        weights: expect.objectContaining({
          canary: expect.objectContaining({ weight: canary }),
          stable: expect.objectContaining({ weight: 1000 - canary }),
          verified: true,
        }),
      });
      expect(during).toEqual(at(5));
      expect(after).toEqual(at(0));

      await expect(ro.createRouted('over', routing, [{ setWeight: 1001 }])).rejects.toThrow(
        'setWeight must be at most trafficRouting.maxTrafficWeight (100 unless set)',
      );
      await expect(
        ro.createRouted('ist-max', { istio: { virtualService: { name: 'x' } }, maxTrafficWeight: 1000 }, [
          { setWeight: 5 },
        ]),
      ).rejects.toThrow('maxTrafficWeight other than 100 cannot be used with istio or ambassador');
    },
    SLOW,
  );

  it(
    'gives each of stableIngresses a canary Ingress with canaryIngressAnnotations, and refuses both forms at once',
    async () => {
      await stableIngress('many');
      await stableIngress('many', 'many-admin');
      const read = async () => {
        const team = async (ingress: string) =>
          (await cluster.api.get<Ingress>(ingType, ro.ns, `many-${ingress}-canary`)).metadata.annotations?.[
            'example.com/team'
          ];
        return {
          main: await canaryIngress('many'),
          admin: await canaryIngress('many', 'many-admin'),
          teams: [await team('many'), await team('many-admin')],
        };
      };
      const [during, after] = await routed(
        'many',
        {
          nginx: {
            stableIngresses: ['many', 'many-admin'],
            canaryIngressAnnotations: { 'example.com/team': 'shop' },
          },
        },
        read,
      );
      const at = (weight: string) => ({
        main: { canary: 'true', weight, backend: 'many-canary' },
        admin: { canary: 'true', weight, backend: 'many-canary' },
        teams: ['shop', 'shop'],
      });
      expect(during).toEqual(at('40'));
      expect(after).toEqual(at('0'));

      await expect(
        ro.createRouted('both-forms', { nginx: { stableIngress: 'a', stableIngresses: ['b'] } }, [
          { setWeight: 5 },
        ]),
      ).rejects.toThrow('nginx must set exactly one of stableIngress and stableIngresses');
    },
    SLOW,
  );

  it(
    'with replicaProgressThreshold, goes on to the next step once that share of the canary is available',
    async () => {
      for (const svc of ['thr-stable', 'thr-canary'])
        await cluster.api.create(core.services, service(ro.ns, svc, 'thr'));
      await ro.create('thr', {
        replicas: 4,
        selector: { matchLabels: { app: 'thr' } },
        template: template('thr', 'example.invalid/thr:1'),
        strategy: {
          canary: {
            stableService: 'thr-stable',
            canaryService: 'thr-canary',
            trafficRouting: { smi: {} },
            replicaProgressThreshold: { type: 'Percent', value: 75 },
            steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }, { pause: {} }],
          },
        },
      });
      await ro.waitFor('thr', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('thr', 'example.invalid/thr:2');
      const paused = await ro.waitFor('thr', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      // One of the two canary pods stops being ready: at the next step 3 of 4 are available.
      const hash = paused.status?.currentPodHash as string;
      const pods = await cluster.api.list<KubeObject>(core.pods, ro.ns, {
        labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hash}`,
      });
      const [sick] = pods.items;
      await cluster.api.mergePatch(core.pods, ro.ns, sick?.metadata.name ?? '', {
        metadata: { annotations: { 'sluice.dev/test-fault': 'CrashLoopBackOff' } },
      });
      await ro.promote('thr');
      const next = await ro.waitFor('thr', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(3);
      });
      expect(next.status?.canary?.weights?.canary?.weight).toBe(100);
      const canaryPods = await cluster.api.list<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(core.pods, ro.ns, { labelSelector: `${POD_TEMPLATE_HASH_LABEL}=${hash}` });
      const ready = canaryPods.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      expect([canaryPods.items.length, ready.length]).toEqual([4, 3]);
    },
    SLOW,
  );
});
