// Header and mirror routes end to end (setHeaderRoute, setMirrorRoute, managedRoutes) against
// Istio's and Gateway API's published CRDs: one Rollout with both routers, the routes each
// writes at each step, across a controller restart, and gone once promoted; and on abort.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RolloutSpec } from '../../controller/api/rollout.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { rolloutSuite, SLOW, service, template } from '../support/rollouts.ts';
import { installHttpRouteCrd, installVirtualServiceCrd } from '../support/router-crds.ts';

const suite = rolloutSuite('rollout-header-routes');
const { cluster, ro } = suite;

const vsType: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'VirtualService',
  plural: 'virtualservices',
  namespaced: true,
};
const routeType: ResourceType = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  kind: 'HTTPRoute',
  plural: 'httproutes',
  namespaced: true,
};

interface Destination {
  destination: { host: string; port?: { number: number } };
  weight?: number;
}
interface HttpRoute {
  name?: string;
  match?: unknown[];
  route: Destination[];
  mirror?: { host: string; port?: { number: number } };
  mirrorPercentage?: { value: number };
}
interface VirtualService extends KubeObject {
  spec: { http: HttpRoute[] };
}
interface Rule {
  name?: string;
  matches?: unknown[];
  filters?: {
    type: string;
    requestMirror?: { backendRef: { name: string; port?: number }; percent?: number };
  }[];
  backendRefs: { name: string; port?: number; weight?: number }[];
}
interface HTTPRoute extends KubeObject {
  spec: { rules: Rule[] };
}

/** A VirtualService with one weighted route between `app`-stable and `app`-canary, port 80. */
async function createVirtualService(app: string): Promise<void> {
  await cluster.api.create(vsType, {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: app, namespace: ro.ns },
    spec: {
      hosts: [`${app}.example`],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: `${app}-stable`, port: { number: 80 } }, weight: 100 },
            { destination: { host: `${app}-canary`, port: { number: 80 } }, weight: 0 },
          ],
        },
      ],
    },
  });
}

const weightsOf = (dests: Destination[] | undefined) =>
  Object.fromEntries((dests ?? []).map((d) => [d.destination.host, d.weight]));
const backendWeights = (rule: Rule | undefined) =>
  Object.fromEntries((rule?.backendRefs ?? []).map((b) => [b.name, b.weight]));

/** Creates a Rollout of one replica, waits for it to be Healthy and updates its image. */
async function update(name: string, canary: RolloutSpec['strategy']['canary']): Promise<void> {
  await ro.create(name, {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: template(name, `example.invalid/${name}:1`),
    strategy: { canary },
  });
  await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Healthy'));
  await ro.setImage(name, `example.invalid/${name}:2`);
}

describe('header and mirror routes', () => {
  beforeAll(async () => {
    await installVirtualServiceCrd(cluster);
    await installHttpRouteCrd(cluster);
  }, SLOW);

  it(
    'writes them into the VirtualService and the HTTPRoute at their steps, keeps them across a restart, and removes them at promotion',
    async () => {
      for (const svc of ['hr-stable', 'hr-canary'])
        await cluster.api.create(core.services, service(ro.ns, svc, 'hr'));
      await createVirtualService('hr');
      await cluster.api.create(routeType, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'hr', namespace: ro.ns },
        spec: {
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { name: 'hr-stable', port: 80, weight: 100 },
                { name: 'hr-canary', port: 80, weight: 0 },
              ],
            },
          ],
        },
      });
      const read = async () => ({
        vs: (await cluster.api.get<VirtualService>(vsType, ro.ns, 'hr')).spec.http,
        rules: (await cluster.api.get<HTTPRoute>(routeType, ro.ns, 'hr')).spec.rules,
      });

      await update('hr', {
        stableService: 'hr-stable',
        canaryService: 'hr-canary',
        trafficRouting: {
          managedRoutes: [{ name: 'header' }, { name: 'mirror' }],
          istio: { virtualService: { name: 'hr', routes: ['primary'] } },
          gatewayAPI: { httpRoute: 'hr' },
        },
        steps: [
          { setWeight: 20 },
          {
            setHeaderRoute: {
              name: 'header',
              match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
            },
          },
          {
            setMirrorRoute: {
              name: 'mirror',
              percentage: 35,
              match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }],
            },
          },
          { pause: {} },
          { setHeaderRoute: { name: 'header' } },
          { pause: {} },
          { setWeight: 50 },
          { pause: {} },
        ],
      });
      await ro.waitFor('hr', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(3);
      });

      // Istio: the managed routes first, in managedRoutes order, then the user's.
      const first = await read();
      expect(first.vs.map((h) => h.name)).toEqual(['header', 'mirror', 'primary']);
      const [header, mirror, primary] = first.vs;
      expect(header).toEqual({
        name: 'header',
        match: [{ headers: { 'x-canary': { exact: 'yes' } } }],
        route: [{ destination: { host: 'hr-canary', port: { number: 80 } }, weight: 100 }],
      });
      expect(mirror?.match).toEqual([{ method: { exact: 'GET' }, uri: { prefix: '/api' } }]);
      expect(mirror?.mirror).toEqual({ host: 'hr-canary', port: { number: 80 } });
      expect(mirror?.mirrorPercentage).toEqual({ value: 35 });
      expect(weightsOf(mirror?.route)).toEqual({ 'hr-stable': 80, 'hr-canary': 20 });
      expect(weightsOf(primary?.route)).toEqual({ 'hr-stable': 80, 'hr-canary': 20 });

      // Gateway API: a rule per route, named after it.
      expect(first.rules.map((r) => r.name)).toEqual(['header', 'mirror', undefined]);
      const [headerRule, mirrorRule, userRule] = first.rules;
      expect(headerRule?.matches).toEqual([
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }],
        },
      ]);
      expect(headerRule?.backendRefs.map((b) => [b.name, b.port])).toEqual([['hr-canary', 80]]);
      expect(mirrorRule?.matches).toEqual([{ method: 'GET', path: { type: 'PathPrefix', value: '/api' } }]);
      expect(mirrorRule?.filters).toEqual([
        {
          type: 'RequestMirror',
          requestMirror: {
            backendRef: expect.objectContaining({ name: 'hr-canary', port: 80 }),
            percent: 35,
          },
        },
      ]);
      expect(backendWeights(mirrorRule)).toEqual({ 'hr-stable': 80, 'hr-canary': 20 });
      expect(backendWeights(userRule)).toEqual({ 'hr-stable': 80, 'hr-canary': 20 });

      // A new controller knows the routes only from the objects: it removes the header route by
      // name at the next step and leaves the mirror route as it is.
      await suite.restartController('SIGKILL');
      await ro.promote('hr');
      await ro.waitFor('hr', (r) => expect(r.status?.currentStepIndex).toBe(5));
      const second = await read();
      expect(second.vs.map((h) => h.name)).toEqual(['mirror', 'primary']);
      expect(second.vs[0]).toEqual(mirror);
      expect(second.rules.map((r) => r.name)).toEqual(['mirror', undefined]);
      expect(second.rules[0]).toEqual(mirrorRule);

      // The mirror route's weighted destinations follow the weight.
      await ro.promote('hr');
      await ro.waitFor('hr', (r) => {
        expect(r.status?.currentStepIndex).toBe(7);
        expect(r.status?.canary?.weights?.verified).toBe(true);
      });
      const third = await read();
      expect(weightsOf(third.vs[0]?.route)).toEqual({ 'hr-stable': 50, 'hr-canary': 50 });
      expect(backendWeights(third.rules[0])).toEqual({ 'hr-stable': 50, 'hr-canary': 50 });

      await ro.promote('hr');
      await ro.waitFor('hr', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
      });
      await ro.waitFor('hr', async () => {
        const done = await read();
        expect(done.vs.map((h) => [h.name, weightsOf(h.route)])).toEqual([
          ['primary', { 'hr-stable': 100, 'hr-canary': 0 }],
        ]);
        expect(done.rules.map((r) => [r.name, backendWeights(r)])).toEqual([
          [undefined, { 'hr-stable': 100, 'hr-canary': 0 }],
        ]);
      });
      expect((await ro.events('hr')).map((e) => e.note)).toEqual(
        expect.arrayContaining([
          'Header route header set (istio+gatewayAPI)',
          'Mirror route mirror set (istio+gatewayAPI)',
        ]),
      );
    },
    SLOW,
  );

  it(
    'removes them on abort',
    async () => {
      for (const svc of ['ab-stable', 'ab-canary'])
        await cluster.api.create(core.services, service(ro.ns, svc, 'ab'));
      await createVirtualService('ab');
      await update('ab', {
        stableService: 'ab-stable',
        canaryService: 'ab-canary',
        trafficRouting: {
          managedRoutes: [{ name: 'ab-header' }],
          istio: { virtualService: { name: 'ab' } },
        },
        steps: [
          { setWeight: 10 },
          {
            setHeaderRoute: {
              name: 'ab-header',
              match: [{ headerName: 'x-user', headerValue: { prefix: 'beta-' } }],
            },
          },
          { pause: {} },
        ],
      });
      await ro.waitFor('ab', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(2);
      });
      const before = (await cluster.api.get<VirtualService>(vsType, ro.ns, 'ab')).spec.http;
      expect(before.map((h) => [h.name, h.match])).toEqual([
        ['ab-header', [{ headers: { 'x-user': { prefix: 'beta-' } } }]],
        ['primary', undefined],
      ]);

      await ro.abort('ab');
      await ro.waitFor('ab', (r) => {
        expect(r.status?.phase).toBe('Degraded');
        expect(r.status?.canary?.weights?.canary?.weight).toBe(0);
      });
      await ro.waitFor('ab', async () => {
        const http = (await cluster.api.get<VirtualService>(vsType, ro.ns, 'ab')).spec.http;
        expect(http.map((h) => [h.name, weightsOf(h.route)])).toEqual([
          ['primary', { 'ab-stable': 100, 'ab-canary': 0 }],
        ]);
      });
    },
    SLOW,
  );

  it(
    'routes one header with NGINX canary-by-header annotations, kept across weights, removed by a step without match',
    async () => {
      const ingType: ResourceType = {
        group: 'networking.k8s.io',
        version: 'v1',
        kind: 'Ingress',
        plural: 'ingresses',
        namespaced: true,
      };
      for (const svc of ['ng-stable', 'ng-canary'])
        await cluster.api.create(core.services, service(ro.ns, svc, 'ng'));
      await cluster.api.create(ingType, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'ng', namespace: ro.ns },
        spec: {
          ingressClassName: 'nginx',
          defaultBackend: { service: { name: 'ng-stable', port: { number: 80 } } },
        },
      });
      const annotations = async () => {
        const ing = await cluster.api.get<KubeObject>(ingType, ro.ns, 'ng-ng-canary');
        const prefix = 'nginx.ingress.kubernetes.io/';
        return Object.fromEntries(
          Object.entries(ing.metadata.annotations ?? {})
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
        );
      };
      await update('ng', {
        stableService: 'ng-stable',
        canaryService: 'ng-canary',
        trafficRouting: { managedRoutes: [{ name: 'ng-header' }], nginx: { stableIngress: 'ng' } },
        steps: [
          { setWeight: 10 },
          {
            setHeaderRoute: {
              name: 'ng-header',
              match: [{ headerName: 'x-canary', headerValue: { regex: '^(yes|true)$' } }],
            },
          },
          { setWeight: 30 },
          { pause: {} },
          { setHeaderRoute: { name: 'ng-header' } },
          { pause: {} },
        ],
      });
      await ro.waitFor('ng', (r) => expect(r.status?.currentStepIndex).toBe(3));
      expect(await annotations()).toEqual({
        canary: 'true',
        'canary-weight': '30',
        'canary-by-header': 'x-canary',
        'canary-by-header-pattern': '^(yes|true)$',
      });
      await ro.promote('ng');
      await ro.waitFor('ng', (r) => expect(r.status?.currentStepIndex).toBe(5));
      expect(await annotations()).toEqual({ canary: 'true', 'canary-weight': '30' });
    },
    SLOW,
  );

  it('refuses a step naming a route outside managedRoutes, and one its router cannot carry', async () => {
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
    const unmanaged = manifest('unmanaged', {
      stableService: 'a',
      canaryService: 'b',
      trafficRouting: { managedRoutes: [{ name: 'header' }], istio: { virtualService: { name: 'vs' } } },
      steps: [
        { setWeight: 10 },
        { setHeaderRoute: { name: 'other', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } },
      ],
    });
    await expect(ro.kubectl(['apply', '-f', '-'], unmanaged)).rejects.toThrow(
      /spec\.strategy\.canary\.steps: .*setHeaderRoute and setMirrorRoute steps must name one of trafficRouting\.managedRoutes/,
    );

    // SMI has no mirror routes: the API server takes it, the controller stalls naming the step.
    await ro.create('smi-mirror', {
      selector: { matchLabels: { app: 'smi-mirror' } },
      template: template('smi-mirror', 'example.invalid/smi-mirror:1'),
      strategy: {
        canary: {
          stableService: 'a',
          canaryService: 'b',
          trafficRouting: { managedRoutes: [{ name: 'mirror' }], smi: {} },
          steps: [{ setMirrorRoute: { name: 'mirror', match: [{ path: { prefix: '/' } }] } }],
        },
      },
    });
    await ro.waitFor('smi-mirror', (r) => {
      const stalled = r.status?.conditions?.find((c) => c.type === 'Stalled');
      expect(stalled).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
      expect(stalled?.message).toContain(
        'spec.strategy.canary.steps[0].setMirrorRoute: the smi router does not support setMirrorRoute steps',
      );
    });
  });
});
