// The Rollout controller end to end: real API server, real ReplicaSets and kwok pods, the
// controller in its own process. Operations are plain kubectl patches of spec and status.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { installHttpRouteCrd, installTrafficSplitCrd, installVirtualServiceCrd } from '../support/router-crds.ts';
import { analysisTemplate, RolloutDriver, service, template } from '../support/rollouts.ts';

const cluster = testCluster();
/** Pods of the test control plane can take tens of seconds to become ready; updates need several. */
const SLOW = 300_000;
let ns: string;
let ctl: ControllerProcess;
let ro: RolloutDriver;

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'rollouts');
  ro = new RolloutDriver(cluster, ns);
  await cluster.api.create(analysisTemplateResource, analysisTemplate(ns, 'errors'));
  ctl = await startController({ kubeconfig: cluster.kubeconfig });
});
afterAll(async () => {
  if (process.env.ROLLOUT_TEST_LOG) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(process.env.ROLLOUT_TEST_LOG, ctl.logs.map((l) => JSON.stringify(l)).join('\n'));
  }
  await ctl?.stop();
  await deleteNamespace(cluster.api, ns);
});

describe('canary with replica ratio and Service selectors', () => {
  it(
    'moves through setWeight and pause steps, promoted by hand and by time',
    async () => {
      for (const name of ['web-stable', 'web-canary'])
        await cluster.api.create(core.services, service(ns, name, 'web'));
      await ro.create('web', {
        replicas: 4,
        selector: { matchLabels: { app: 'web' } },
        template: template('web', 'example.invalid/web:1'),
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: 2 } }],
          },
        },
      });
      const v1 = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.availableReplicas).toBe(4);
      });
      const h1 = v1.status?.stableRS as string;
      expect(v1.status?.currentPodHash).toBe(h1);
      expect(v1.status?.currentStepIndex).toBe(4);
      expect(await ro.selector('web-stable')).toBe(h1);

      await ro.setImage('web', 'example.invalid/web:2');
      const paused = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      const h2 = paused.status?.currentPodHash as string;
      expect(h2).not.toBe(h1);
      expect(paused.status?.pauseConditions?.map((c) => c.reason)).toEqual(['CanaryPauseStep']);
      expect(paused.status?.controllerPause).toBe(true);
      expect(paused.status?.message).toContain('step 2/4');
      expect(paused.status?.canary?.weights?.canary?.weight).toBe(25);
      expect(await ro.scale('web')).toMatchObject({
        [h1]: { spec: 3, available: 3 },
        [h2]: { spec: 1, available: 1 },
      });
      expect(await ro.selector('web-stable')).toBe(h1);
      expect(await ro.selector('web-canary')).toBe(h2);

      await ro.promote('web');
      const done = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      expect(done.status?.currentStepIndex).toBe(4);
      expect(done.status?.pauseConditions).toBeUndefined();
      expect(await ro.scale('web')).toMatchObject({ [h1]: { spec: 0 }, [h2]: { spec: 4, available: 4 } });
      expect(await ro.selector('web-stable')).toBe(h2);
      const reasons = (await ro.events('web')).map((e) => e.reason);
      expect(reasons).toContain('RolloutStepCompleted');
      expect(reasons).toContain('RolloutCompleted');
      expect(reasons).toContain('ScalingReplicaSet');
    },
    SLOW,
  );
});

describe('operations from plain kubectl', () => {
  it(
    'aborts by a status patch, returns traffic and pods to stable, and retries',
    async () => {
      await ro.create('ops', {
        replicas: 2,
        selector: { matchLabels: { app: 'ops' } },
        template: template('ops', 'example.invalid/ops:1'),
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      });
      const h1 = (await ro.waitFor('ops', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      await ro.setImage('ops', 'example.invalid/ops:2');
      const paused = await ro.waitFor('ops', (r) => expect(r.status?.phase).toBe('Paused'));
      const h2 = paused.status?.currentPodHash as string;
      expect(await ro.scale('ops')).toMatchObject({ [h1]: { spec: 1 }, [h2]: { spec: 1 } });

      await ro.abort('ops');
      const aborted = await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Degraded');
        expect(r.status?.currentStepIndex).toBe(0);
      });
      expect(aborted.status?.message).toContain('aborted');
      expect(aborted.status?.abortedAt).toBeDefined();
      expect(aborted.status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('RolloutAborted');
      await ro.waitFor('ops', async () => {
        expect(await ro.scale('ops')).toMatchObject({ [h1]: { spec: 2, available: 2 }, [h2]: { spec: 0 } });
      });
      expect((await ro.events('ops')).map((e) => e.reason)).toContain('RolloutAborted');

      await ro.retry('ops');
      const again = await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      expect(again.status?.abort).toBeUndefined();
      expect(await ro.scale('ops')).toMatchObject({ [h1]: { spec: 1 }, [h2]: { spec: 1 } });

      await ro.promoteFull('ops');
      await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
    },
    SLOW,
  );
});

describe('analysis', () => {
  const analysed = (
    name: string,
    steps: NonNullable<NonNullable<Parameters<RolloutDriver['create']>[1]['strategy']['canary']>['steps']>,
  ) =>
    ro.create(name, {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: template(name, `example.invalid/${name}:1`),
      strategy: { canary: { steps } },
    });
  const errorsStep = {
    analysis: {
      templates: [{ templateName: 'errors' }],
      args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' as const } }],
    },
  };

  it(
    'a failed analysis aborts by itself, naming the metric and value; retry runs a fresh analysis',
    async () => {
      await analysed('fail', [{ setWeight: 50 }, errorsStep]);
      const h1 = (await ro.waitFor('fail', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      await ro.setImage('fail', 'example.invalid/fail:2');
      const first = await ro.waitForRun('fail', () => true);
      const h2 = (await ro.get('fail')).status?.currentPodHash as string;
      expect(first.metadata.name).toBe(`fail-${h2}-1`);
      expect(first.spec.args).toContainEqual({ name: 'canary-hash', value: h2 });
      expect(first.spec.args).toContainEqual({ name: 'service', value: 'web' });
      expect(first.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'Rollout',
        name: 'fail',
        controller: true,
      });

      await ro.driveRun(first.metadata.name, 'Failed', 'error-rate', '0.12');
      const aborted = await ro.waitFor('fail', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.message).toContain('metric "error-rate" failed with value 0.12');
      expect(aborted.status?.canary?.currentStepAnalysisRunStatus).toMatchObject({
        name: first.metadata.name,
        status: 'Failed',
      });
      const warning = (await ro.events('fail')).find((e) => e.reason === 'AnalysisRunFailed');
      expect(warning?.type).toBe('Warning');
      expect(warning?.note).toContain('0.12');
      await ro.waitFor('fail', async () => {
        expect(await ro.scale('fail')).toMatchObject({ [h1]: { spec: 2, available: 2 }, [h2]: { spec: 0 } });
      });

      await ro.retry('fail');
      const second = await ro.waitForRun('fail', (n) => n !== first.metadata.name);
      expect(second.metadata.name.startsWith(`fail-${h2}-1-`)).toBe(true);
      expect((await ro.runs('fail')).map((r) => r.metadata.name)).toContain(first.metadata.name);
      await ro.driveRun(second.metadata.name, 'Successful');
      await ro.waitFor('fail', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
    },
    SLOW,
  );

  it(
    'an inconclusive analysis pauses; promoting runs the analysis again',
    async () => {
      await analysed('unsure', [errorsStep]);
      await ro.waitFor('unsure', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('unsure', 'example.invalid/unsure:2');
      const first = await ro.waitForRun('unsure', () => true);
      await ro.driveRun(first.metadata.name, 'Inconclusive');
      const paused = await ro.waitFor('unsure', (r) => expect(r.status?.phase).toBe('Paused'));
      expect(paused.status?.pauseConditions?.map((c) => c.reason)).toEqual(['InconclusiveAnalysisRun']);
      expect(paused.status?.message).toContain('promote to run the analysis again');

      await ro.promote('unsure');
      const second = await ro.waitForRun('unsure', (n) => n === `${first.metadata.name}.1`);
      await ro.driveRun(second.metadata.name, 'Successful');
      await ro.waitFor('unsure', (r) => expect(r.status?.phase).toBe('Healthy'));
    },
    SLOW,
  );

  it(
    'background analysis from its starting step aborts the update when it fails',
    async () => {
      await ro.create('bg', {
        replicas: 2,
        selector: { matchLabels: { app: 'bg' } },
        template: template('bg', 'example.invalid/bg:1'),
        strategy: {
          canary: {
            analysis: { ...errorsStep.analysis, startingStep: 1 },
            steps: [{ setWeight: 50 }, { pause: {} }],
          },
        },
      });
      await ro.waitFor('bg', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('bg', 'example.invalid/bg:2');
      const run = await ro.waitForRun('bg', (n) => n.endsWith('-background'));
      const r = await ro.get('bg');
      expect(r.status?.currentStepIndex).toBe(1);
      expect(run.metadata.labels?.['sluice.dev/analysis-type']).toBe('background');
      await ro.driveRun(run.metadata.name, 'Failed', 'error-rate', '0.3');
      const aborted = await ro.waitFor('bg', (x) => expect(x.status?.phase).toBe('Degraded'));
      expect(aborted.status?.message).toContain('background analysis');
      expect(aborted.status?.message).toContain('0.3');
    },
    SLOW,
  );
});

describe('blue-green', () => {
  beforeAll(async () => {
    for (const name of ['bg-active', 'bg-preview'])
      await cluster.api.create(core.services, service(ns, name, 'bluegreen'));
  }, SLOW);

  it(
    'previews, runs pre- and post-promotion analysis, switches and keeps the old version for scaleDownDelaySeconds',
    async () => {
      const analysis = {
        templates: [{ templateName: 'errors' }],
        args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' as const } }],
      };
      await ro.create('bluegreen', {
        replicas: 2,
        selector: { matchLabels: { app: 'bluegreen' } },
        template: template('bluegreen', 'example.invalid/bg:1'),
        strategy: {
          blueGreen: {
            activeService: 'bg-active',
            previewService: 'bg-preview',
            previewReplicaCount: 1,
            scaleDownDelaySeconds: 5,
            prePromotionAnalysis: analysis,
            postPromotionAnalysis: analysis,
          },
        },
      });
      const v1 = await ro.waitFor('bluegreen', (r) => expect(r.status?.phase).toBe('Healthy'));
      const h1 = v1.status?.stableRS as string;
      expect(v1.status?.blueGreen?.activeSelector).toBe(h1);
      expect(await ro.selector('bg-active')).toBe(h1);

      await ro.setImage('bluegreen', 'example.invalid/bg:2');
      const pre = await ro.waitForRun('bluegreen', (n) => n.endsWith('-pre'));
      const h2 = (await ro.get('bluegreen')).status?.currentPodHash as string;
      expect(await ro.selector('bg-preview')).toBe(h2);
      expect(await ro.selector('bg-active')).toBe(h1);
      expect(await ro.scale('bluegreen')).toMatchObject({
        [h1]: { spec: 2 },
        [h2]: { spec: 1, available: 1 },
      });

      await ro.driveRun(pre.metadata.name, 'Successful');
      const post = await ro.waitForRun('bluegreen', (n) => n.endsWith('-post'), 90_000);
      expect(await ro.selector('bg-active')).toBe(h2);
      const mid = await ro.get('bluegreen');
      expect(mid.status?.stableRS).toBe(h1);
      expect(mid.status?.blueGreen?.activeSelector).toBe(h2);
      expect(await ro.scale('bluegreen')).toMatchObject({ [h1]: { spec: 2 }, [h2]: { spec: 2 } });

      await ro.driveRun(post.metadata.name, 'Successful');
      await ro.waitFor('bluegreen', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      await ro.waitFor('bluegreen', async () => {
        expect(await ro.scale('bluegreen')).toMatchObject({ [h1]: { spec: 0 }, [h2]: { spec: 2 } });
      });
    },
    SLOW,
  );

  it(
    'a failed post-promotion analysis switches the active Service back to stable',
    async () => {
      const stable = (await ro.get('bluegreen')).status?.stableRS as string;
      await ro.setImage('bluegreen', 'example.invalid/bg:3');
      const next = (await ro.waitFor('bluegreen', (r) => expect(r.status?.currentPodHash).not.toBe(stable)))
        .status?.currentPodHash as string;
      const pre = await ro.waitForRun('bluegreen', (n) => n === `bluegreen-${next}-pre`);
      await ro.driveRun(pre.metadata.name, 'Successful');
      const post = await ro.waitForRun('bluegreen', (n) => n === `bluegreen-${next}-post`, 90_000);
      expect(await ro.selector('bg-active')).toBe(next);
      await ro.driveRun(post.metadata.name, 'Failed', 'error-rate', '0.5');
      const aborted = await ro.waitFor('bluegreen', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.message).toContain('post-promotion analysis');
      expect(await ro.selector('bg-active')).toBe(stable);
    },
    SLOW,
  );
});

describe('Gateway API HTTPRoute', () => {
  beforeAll(async () => {
    await installHttpRouteCrd(cluster);
  }, 300_000);

  it(
    'sets backend weights at each step and returns all traffic to stable once promoted',
    async () => {
      for (const name of ['gw-stable', 'gw-canary'])
        await cluster.api.create(core.services, service(ns, name, 'gw'));
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
        metadata: { name: 'gw', namespace: ns },
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
        >(routes, ns, 'gw');
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

describe('restart safety', () => {
  it(
    'continues from the same step after SIGKILL, never skipping or repeating an analysis',
    async () => {
      await ro.create('restart', {
        replicas: 2,
        selector: { matchLabels: { app: 'restart' } },
        template: template('restart', 'example.invalid/restart:1'),
        strategy: {
          canary: {
            steps: [
              { setWeight: 50 },
              {
                analysis: {
                  templates: [{ templateName: 'errors' }],
                  args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
                },
              },
              { pause: { duration: 20 } },
            ],
          },
        },
      });
      await ro.waitFor('restart', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('restart', 'example.invalid/restart:2');
      const run = await ro.waitForRun('restart', () => true);
      await ro.waitFor('restart', (r) =>
        expect(r.status?.canary?.currentStepAnalysisRunStatus?.name).toBe(run.metadata.name),
      );

      // Killed while the analysis step runs: the same run is picked up, none is started again.
      await ctl.stop('SIGKILL');
      ctl = await startController({ kubeconfig: cluster.kubeconfig });
      await ctl.waitForLog((l) => l.msg === 'caches synced');
      await new Promise((r) => setTimeout(r, 3000));
      expect((await ro.runs('restart')).map((r) => r.metadata.name)).toEqual([run.metadata.name]);
      expect((await ro.get('restart')).status?.currentStepIndex).toBe(1);

      await ro.driveRun(run.metadata.name, 'Successful');
      const paused = await ro.waitFor('restart', (r) => {
        expect(r.status?.currentStepIndex).toBe(2);
        expect(r.status?.pauseConditions?.length).toBe(1);
      });
      const startTime = paused.status?.pauseConditions?.[0]?.startTime;

      // Killed during a timed pause: the pause keeps its start time and ends on schedule.
      await ctl.stop('SIGKILL');
      ctl = await startController({ kubeconfig: cluster.kubeconfig });
      await ctl.waitForLog((l) => l.msg === 'caches synced');
      const resumed = await ro.get('restart');
      expect(resumed.status?.pauseConditions?.[0]?.startTime).toBe(startTime);
      const done = await ro.waitFor('restart', (r) => expect(r.status?.phase).toBe('Healthy'));
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(startTime ?? '') + 20_000);
      expect(done.status?.stableRS).toBe(done.status?.currentPodHash);
      expect((await ro.runs('restart')).map((r) => r.metadata.name)).toEqual([run.metadata.name]);
    },
    SLOW,
  );
});

describe('Argo Rollouts manifests with only the apiVersion changed', () => {
  const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

  it(
    'examples/rollout-canary.yaml: 20% canary, paused until promoted',
    async () => {
      await ro.kubectl(['apply', '-f', '-'], await readFile(fixture('argo-rollout-canary.yaml'), 'utf8'));
      const v1 = await ro.waitFor('rollout-canary', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.kubectl([
        'patch',
        'rollout',
        'rollout-canary',
        '--type=json',
        '-p',
        JSON.stringify([
          {
            op: 'replace',
            path: '/spec/template/spec/containers/0/image',
            value: 'argoproj/rollouts-demo:yellow',
          },
        ]),
      ]);
      const paused = await ro.waitFor('rollout-canary', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      const [h1, h2] = [v1.status?.stableRS as string, paused.status?.currentPodHash as string];
      expect(await ro.scale('rollout-canary')).toMatchObject({ [h1]: { spec: 4 }, [h2]: { spec: 1 } });
      expect(paused.status?.canary?.weights?.canary?.weight).toBe(20);
      await ro.promoteFull('rollout-canary');
      await ro.waitFor('rollout-canary', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
    },
    SLOW,
  );

  it(
    'examples/rollout-bluegreen.yaml: preview, manual gate, switch',
    async () => {
      await ro.kubectl(['apply', '-f', '-'], await readFile(fixture('argo-rollout-bluegreen.yaml'), 'utf8'));
      const v1 = await ro.waitFor('rollout-bluegreen', (r) => expect(r.status?.phase).toBe('Healthy'));
      const h1 = v1.status?.stableRS as string;
      expect(await ro.selector('rollout-bluegreen-active')).toBe(h1);
      await ro.kubectl([
        'patch',
        'rollout',
        'rollout-bluegreen',
        '--type=json',
        '-p',
        JSON.stringify([
          {
            op: 'replace',
            path: '/spec/template/spec/containers/0/image',
            value: 'argoproj/rollouts-demo:green',
          },
        ]),
      ]);
      const paused = await ro.waitFor('rollout-bluegreen', (r) => expect(r.status?.phase).toBe('Paused'));
      const h2 = paused.status?.currentPodHash as string;
      expect(paused.status?.pauseConditions?.map((c) => c.reason)).toEqual(['BlueGreenPause']);
      expect(await ro.selector('rollout-bluegreen-preview')).toBe(h2);
      expect(await ro.selector('rollout-bluegreen-active')).toBe(h1);
      await ro.promote('rollout-bluegreen');
      await ro.waitFor('rollout-bluegreen', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      expect(await ro.selector('rollout-bluegreen-active')).toBe(h2);
    },
    SLOW,
  );
});
