// Istio end to end against Istio's published CRDs: the objects written at each step for the
// plural virtualServices form (HTTP, TLS and TCP routes in two VirtualServices), and for
// subset-level splitting, where a DestinationRule's subsets follow the canary and stable pods.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RolloutSpec } from '../../controller/api/rollout.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL, rolloutSuite, SLOW, service, template } from '../support/rollouts.ts';
import { installDestinationRuleCrd, installVirtualServiceCrd } from '../support/router-crds.ts';

const suite = rolloutSuite('rollout-istio');
const { cluster, ro } = suite;

const istio = (kind: string, plural: string) => ({
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind,
  plural,
  namespaced: true,
});
const vsType = istio('VirtualService', 'virtualservices');
const drType = istio('DestinationRule', 'destinationrules');

/** Creates the user's Istio object of `rt` in the suite's namespace. */
const create = (rt: typeof vsType, name: string, spec: object) =>
  cluster.api.create(rt, {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: rt.kind,
    metadata: { name, namespace: ro.ns },
    spec,
  });

interface Destination {
  destination: { host: string; subset?: string };
  weight?: number;
}
interface VirtualService extends KubeObject {
  spec: {
    http?: { name?: string; route: Destination[] }[];
    tls?: { route: Destination[] }[];
    tcp?: { route: Destination[] }[];
  };
}
interface DestinationRule extends KubeObject {
  spec: { subsets: { name: string; labels?: Record<string, string> }[] };
}

const weights = (route: Destination[] | undefined) =>
  Object.fromEntries((route ?? []).map((d) => [d.destination.subset ?? d.destination.host, d.weight]));

/** A Rollout of `name` paused at its first step after an update: its two pod hashes. */
async function updateToFirstPause(name: string, canary: RolloutSpec['strategy']['canary']) {
  await ro.create(name, {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: template(name, `example.invalid/${name}:1`),
    strategy: { canary },
  });
  const h1 = (await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Healthy'))).status?.stableRS;
  await ro.setImage(name, `example.invalid/${name}:2`);
  const paused = await ro.waitFor(name, (r) => {
    expect(r.status?.phase).toBe('Paused');
    expect(r.status?.currentStepIndex).toBe(1);
    expect(r.status?.canary?.weights?.verified).toBe(true);
  });
  return { h1: h1 as string, h2: paused.status?.currentPodHash as string };
}

describe('Istio', () => {
  beforeAll(async () => {
    await installVirtualServiceCrd(cluster);
    await installDestinationRuleCrd(cluster);
  }, SLOW);

  it(
    'sets the weights of HTTP, TLS and TCP routes in two VirtualServices at each step',
    async () => {
      for (const svc of ['pl-stable', 'pl-canary'])
        await cluster.api.create(core.services, service(ro.ns, svc, 'pl'));
      const pair = (stable: number) => [
        { destination: { host: 'pl-stable' }, weight: stable },
        { destination: { host: 'pl-canary' }, weight: 100 - stable },
      ];
      await create(vsType, 'pl-web', {
        hosts: ['pl.example'],
        http: [
          { name: 'admin', route: [{ destination: { host: 'admin' } }] },
          { name: 'primary', route: pair(100) },
        ],
      });
      await create(vsType, 'pl-edge', {
        hosts: ['pl.example'],
        tls: [
          { match: [{ port: 443, sniHosts: ['pl.example'] }], route: pair(100) },
          { match: [{ port: 8443, sniHosts: ['pl.example'] }], route: pair(100) },
        ],
        tcp: [
          { match: [{ port: 5432 }], route: pair(100) },
          { match: [{ port: 6432 }], route: pair(100) },
        ],
      });
      const read = async () => {
        const web = await cluster.api.get<VirtualService>(vsType, ro.ns, 'pl-web');
        const edge = await cluster.api.get<VirtualService>(vsType, ro.ns, 'pl-edge');
        return {
          admin: weights(web.spec.http?.[0]?.route),
          primary: weights(web.spec.http?.[1]?.route),
          tls443: weights(edge.spec.tls?.[0]?.route),
          tls8443: weights(edge.spec.tls?.[1]?.route),
          tcp5432: weights(edge.spec.tcp?.[0]?.route),
          tcp6432: weights(edge.spec.tcp?.[1]?.route),
        };
      };
      const expected = (canary: number) => ({
        admin: { admin: undefined },
        primary: { 'pl-stable': 100 - canary, 'pl-canary': canary },
        tls443: { 'pl-stable': 100 - canary, 'pl-canary': canary },
        // Not named in tlsRoutes: left as the user wrote it.
        tls8443: { 'pl-stable': 100, 'pl-canary': 0 },
        tcp5432: { 'pl-stable': 100 - canary, 'pl-canary': canary },
        // Not named in tcpRoutes either.
        tcp6432: { 'pl-stable': 100, 'pl-canary': 0 },
      });
      await updateToFirstPause('pl', {
        stableService: 'pl-stable',
        canaryService: 'pl-canary',
        trafficRouting: {
          istio: {
            virtualServices: [
              { name: 'pl-web', routes: ['primary'] },
              {
                name: 'pl-edge',
                tlsRoutes: [{ port: 443, sniHosts: ['pl.example'] }],
                tcpRoutes: [{ port: 5432 }],
              },
            ],
          },
        },
        steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
      });
      expect(await read()).toEqual(expected(20));

      await ro.promote('pl');
      await ro.waitFor('pl', (r) => {
        expect(r.status?.currentStepIndex).toBe(3);
        expect(r.status?.canary?.weights?.verified).toBe(true);
      });
      expect(await read()).toEqual(expected(50));

      await ro.promote('pl');
      await ro.waitFor('pl', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
        expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
      });
      expect(await read()).toEqual(expected(0));
    },
    SLOW,
  );

  it(
    'keeps the DestinationRule subsets on the canary and stable hashes and weights the subsets',
    async () => {
      // Subset-level splitting needs no canary and stable Services: one Service, two subsets.
      await cluster.api.create(core.services, service(ro.ns, 'sub', 'sub'));
      await create(drType, 'sub', {
        host: 'sub',
        subsets: [
          { name: 'canary', labels: { app: 'sub' } },
          { name: 'stable', labels: { app: 'sub' } },
        ],
      });
      await create(vsType, 'sub', {
        hosts: ['sub'],
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: 'sub', subset: 'stable' }, weight: 100 },
              { destination: { host: 'sub', subset: 'canary' }, weight: 0 },
            ],
          },
        ],
      });
      const read = async () => {
        const dr = await cluster.api.get<DestinationRule>(drType, ro.ns, 'sub');
        const vs = await cluster.api.get<VirtualService>(vsType, ro.ns, 'sub');
        const labels = Object.fromEntries(dr.spec.subsets.map((s) => [s.name, s.labels]));
        return { labels, weights: weights(vs.spec.http?.[0]?.route) };
      };
      const subsets = (canary: string, stable: string) => ({
        canary: { app: 'sub', [POD_TEMPLATE_HASH_LABEL]: canary },
        stable: { app: 'sub', [POD_TEMPLATE_HASH_LABEL]: stable },
      });
      const { h1, h2 } = await updateToFirstPause('sub', {
        trafficRouting: {
          istio: {
            virtualService: { name: 'sub', routes: ['primary'] },
            destinationRule: { name: 'sub', canarySubsetName: 'canary', stableSubsetName: 'stable' },
          },
        },
        steps: [{ setWeight: 30 }, { pause: {} }],
      });
      expect(h2).not.toBe(h1);
      expect(await read()).toEqual({ labels: subsets(h2, h1), weights: { stable: 70, canary: 30 } });

      await ro.promoteFull('sub');
      await ro.waitFor('sub', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
        expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
      });
      await ro.waitFor('sub', async () =>
        expect(await read()).toEqual({ labels: subsets(h2, h2), weights: { stable: 100, canary: 0 } }),
      );
    },
    SLOW,
  );

  it('refuses what is still unsupported, naming the field, and routers without their Services', async () => {
    const manifest = (name: string, canary: object) =>
      JSON.stringify({
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Rollout',
        metadata: { name },
        spec: {
          selector: { matchLabels: { app: name } },
          template: template(name, `example.invalid/${name}:1`),
          strategy: { canary },
        },
      });
    const sticky = manifest('sticky', {
      stableService: 'a',
      canaryService: 'b',
      trafficRouting: {
        alb: { ingress: 'web', servicePort: 80, stickinessConfig: { enabled: true, durationSeconds: 60 } },
      },
    });
    await expect(ro.kubectl(['apply', '-f', '-'], sticky)).rejects.toThrow(
      /unknown field "spec\.strategy\.canary\.trafficRouting\.alb\.stickinessConfig"/,
    );
    const noServices = manifest('bare', { trafficRouting: { nginx: { stableIngress: 'web' }, smi: {} } });
    await expect(ro.kubectl(['apply', '-f', '-'], noServices)).rejects.toThrow(
      /trafficRouting requires canaryService and stableService, unless it is Istio alone with a destinationRule/,
    );
  });
});
