// The canary the trail and trace tests push: a Rollout `web` whose second step is an analysis
// of its error ratio, made of one of two real metrics apps (`good`, `bad` at 50% errors)
// scraped by Debian's Prometheus, and the AnalysisTemplate `error-rate` that judges it.

import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import type { TestCluster } from './cluster.ts';
import { type MetricsApp, startMetricsApp } from './metrics-app/metrics-app.ts';
import { startPrometheus } from './prometheus/prometheus-server.ts';

const errorRatio = (app: string) =>
  `(sum(rate(http_requests_total{app="${app}",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{app="${app}"}[5s]))`;

/** The Rollout as git holds it: version `tag`, made of the metrics app `metricsApp`. */
export const canaryRolloutYaml = (metricsApp: 'good' | 'bad', tag: string) => `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, metrics-app: ${metricsApp}}}
    spec:
      containers: [{name: app, image: "example.invalid/web:${tag}"}]
  strategy:
    canary:
      steps:
        - setWeight: 50
        - analysis:
            templates: [{templateName: error-rate}]
            args:
              - name: app
                valueFrom: {fieldRef: {fieldPath: "spec.template.metadata.labels['metrics-app']"}}
`;

/**
 * Starts both metrics apps and Prometheus, creates the template in `namespace` and waits
 * until Prometheus has both apps' series; returns what stops them.
 */
export async function startErrorRateAnalysis(
  cluster: TestCluster,
  namespace: string,
  opts: { initialDelay?: string } = {},
): Promise<() => Promise<void>> {
  const apps: MetricsApp[] = [
    await startMetricsApp({ name: 'good', behaviour: { rps: 20 } }),
    await startMetricsApp({ name: 'bad', behaviour: { rps: 20, errorRate: 0.5 } }),
  ];
  const prometheus = await startPrometheus({
    jobs: apps.map((app) => ({ job: app.name, targets: [app.target] })),
  });
  const stop = async () => {
    await prometheus.stop();
    await Promise.all(apps.map((app) => app.stop()));
  };
  try {
    await cluster.api.create(analysisTemplateResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'error-rate', namespace },
      spec: {
        args: [{ name: 'app' }],
        metrics: [
          {
            name: 'error-rate',
            interval: '1s',
            ...(opts.initialDelay ? { initialDelay: opts.initialDelay } : {}),
            count: 2,
            failureLimit: 0,
            successCondition: 'result[0] < 0.05',
            provider: {
              prometheus: { address: prometheus.url, query: errorRatio('{{args.app}}'), timeout: 5 },
            },
          },
        ],
      },
    });
    for (const app of apps) {
      await prometheus.waitForSeries(
        `sum(rate(http_requests_total{app="${app.name}"}[5s])) > 0`,
        undefined,
        30_000,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
