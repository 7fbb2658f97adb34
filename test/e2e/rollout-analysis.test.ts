// A canary Rollout judged by real measurements: the Rollout controller creates AnalysisRuns from
// an AnalysisTemplate, the AnalysisRun controller measures them against Debian's Prometheus
// scraping two metrics apps (one healthy, one answering half its requests with 500), and the
// outcome promotes or rolls back the new version. Which app a version is "made of" is the pod
// template label `metrics-app`, passed to the template through a fieldRef argument.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import { measurements } from '../support/analysis-runs.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type MetricsApp, startMetricsApp } from '../support/metrics-app/metrics-app.ts';
import { type PrometheusServer, startPrometheus } from '../support/prometheus/prometheus-server.ts';
import { RolloutDriver } from '../support/rollouts.ts';

const cluster = testCluster();
/** Pods of the test control plane can take tens of seconds to become ready. */
const SLOW = 300_000;
let ns: string;
let ro: RolloutDriver;
let ctl: ControllerProcess;
let prometheus: PrometheusServer;
const apps: MetricsApp[] = [];

const errorRatio = (app: string) =>
  `(sum(rate(http_requests_total{app="${app}",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{app="${app}"}[5s]))`;

function version(name: string, metricsApp: string, tag: string): NonNullable<Rollout['spec']['template']> {
  return {
    metadata: { labels: { app: name, 'metrics-app': metricsApp } },
    spec: { containers: [{ name: 'app', image: `example.invalid/${name}:${tag}` }] },
  };
}

async function deploy(name: string, metricsApp: string, tag: string): Promise<void> {
  await ro.setTemplate(name, version(name, metricsApp, tag));
}

async function createRollout(name: string, count: string): Promise<string> {
  await ro.create(name, {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: version(name, 'good', '1'),
    strategy: {
      canary: {
        steps: [
          { setWeight: 50 },
          {
            analysis: {
              templates: [{ templateName: 'error-rate' }],
              args: [
                {
                  name: 'app',
                  valueFrom: { fieldRef: { fieldPath: "spec.template.metadata.labels['metrics-app']" } },
                },
                { name: 'prometheus', value: prometheus.url },
                { name: 'count', value: count },
              ],
            },
          },
        ],
      },
    },
  });
  const v1 = await ro.waitFor(name, (r) => expect(r.status?.phase).toBe('Healthy'));
  return v1.status?.stableRS as string;
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'rollout-analysis');
  ro = new RolloutDriver(cluster, ns);
  apps.push(await startMetricsApp({ name: 'good', behaviour: { rps: 20 } }));
  apps.push(await startMetricsApp({ name: 'bad', behaviour: { rps: 20, errorRate: 0.5 } }));
  prometheus = await startPrometheus({ jobs: apps.map((app) => ({ job: app.name, targets: [app.target] })) });
  await cluster.api.create(analysisTemplateResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'error-rate', namespace: ns },
    spec: {
      args: [{ name: 'app' }, { name: 'prometheus' }, { name: 'count', value: '3' }],
      metrics: [
        {
          name: 'error-rate',
          interval: '1s',
          count: '{{args.count}}',
          failureLimit: 1,
          consecutiveErrorLimit: 1,
          successCondition: 'result[0] < 0.05',
          provider: {
            prometheus: { address: '{{args.prometheus}}', query: errorRatio('{{args.app}}'), timeout: 5 },
          },
        },
      ],
    },
  });
  ctl = await startController({ kubeconfig: cluster.kubeconfig, namespace: ns });
  for (const app of apps) {
    await prometheus.waitForSeries(
      `sum(rate(http_requests_total{app="${app.name}"}[5s])) > 0`,
      undefined,
      30_000,
    );
  }
}, SLOW);

afterAll(async () => {
  await ctl?.stop();
  await prometheus?.stop();
  await Promise.all(apps.map((app) => app.stop()));
  await deleteNamespace(cluster.api, ns);
});

describe('Rollout with analysis', () => {
  it(
    'promotes a good version once its analysis passes, and rolls back a bad one after failureLimit by itself',
    async () => {
      const h1 = await createRollout('web', '3');
      await deploy('web', 'good', '2');
      const promoted = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).not.toBe(h1);
      });
      const h2 = promoted.status?.stableRS as string;
      const passed = await ro.waitForRun('web', (n) => n.startsWith(`web-${h2}-`));
      expect(passed.status?.phase).toBe('Successful');
      expect(measurements(passed).map((m) => m.phase)).toEqual(['Successful', 'Successful', 'Successful']);

      await deploy('web', 'bad', '3');
      const rolledBack = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(rolledBack.status?.stableRS).toBe(h2);
      expect(rolledBack.status?.message).toContain('error-rate');
      const h3 = rolledBack.status?.currentPodHash as string;
      const failed = await ro.waitForRun('web', (n) => n.startsWith(`web-${h3}-`));
      expect(failed.status?.phase).toBe('Failed');
      expect(measurements(failed).map((m) => m.phase)).toEqual(['Failed', 'Failed']);
    },
    SLOW,
  );

  it(
    'aborts, never promotes, when Prometheus stops in the middle of the analysis',
    async () => {
      const h1 = await createRollout('outage', '600');
      await deploy('outage', 'good', '2');
      const h2 = (await ro.waitFor('outage', (r) => expect(r.status?.currentPodHash).not.toBe(h1))).status
        ?.currentPodHash as string;
      await eventually(async () => {
        const run = await ro.waitForRun('outage', (n) => n.startsWith(`outage-${h2}-`));
        expect(measurements(run).length).toBeGreaterThanOrEqual(2);
      }, 180_000);
      await prometheus.stopTemporarily();
      try {
        const aborted = await ro.waitFor('outage', (r) => {
          expect(r.status?.stableRS).toBe(h1);
          expect(r.status?.phase).toBe('Degraded');
        });
        expect(aborted.status?.message).toContain('error-rate');
        const run = await ro.waitForRun('outage', (n) => n.startsWith(`outage-${h2}-`));
        expect(run.status?.phase).toBe('Error');
        expect(
          measurements(run)
            .slice(-2)
            .map((m) => m.phase),
        ).toEqual(['Error', 'Error']);
      } finally {
        await prometheus.restart();
      }
    },
    SLOW,
  );
});
