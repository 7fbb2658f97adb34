// The AnalysisRun controller end to end: a real API server, the controller in its own process,
// Debian's Prometheus scraping two metrics apps on loopback (one healthy, one answering half its
// requests with 500), and a small server that checks credentials. Intervals are a second.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAnalysisRunFromTemplates } from '../../controller/analysis/create-run.ts';
import { analysisRunResource, analysisTemplateResource, type Metric } from '../../controller/api/analysis.ts';
import { core } from '../../controller/kube/resources.ts';
import { AnalysisRunDriver, measurements } from '../support/analysis-runs.ts';
import { type AuthServer, startAuthServer } from '../support/auth-server.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { createSecret } from '../support/kinds.ts';
import { type MetricsApp, startMetricsApp } from '../support/metrics-app/metrics-app.ts';
import { type PrometheusServer, startPrometheus } from '../support/prometheus/prometheus-server.ts';

const cluster = testCluster();
const BEARER = 'bearer-7c1e9a42f0d3';
const PASSWORD = 'basic-pw-5b8d2e61';
const WEB_TOKEN = 'web-token-93fa0b7d1c';
let ns: string;
let runs: AnalysisRunDriver;
let good: MetricsApp;
let bad: MetricsApp;
let prometheus: PrometheusServer;
let auth: AuthServer;
const controllers: ControllerProcess[] = [];

// `or vector(0)`: an app without errors has no 5xx series at all, and no data never passes.
const errorRatio = (app: string) =>
  `(sum(rate(http_requests_total{app="${app}",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{app="${app}"}[5s]))`;

const promMetric = (name: string, query: string, extra: Partial<Metric> = {}): Metric => ({
  name,
  interval: '1s',
  successCondition: 'result[0] < 0.05',
  provider: { prometheus: { address: prometheus.url, query, timeout: 5 } },
  ...extra,
});

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'analysis');
  runs = new AnalysisRunDriver(cluster, ns);
  good = await startMetricsApp({ name: 'good', behaviour: { rps: 20 } });
  bad = await startMetricsApp({ name: 'bad', behaviour: { rps: 20, errorRate: 0.5 } });
  prometheus = await startPrometheus({
    jobs: [
      { job: 'good', targets: [good.target] },
      { job: 'bad', targets: [bad.target] },
    ],
  });
  auth = await startAuthServer({
    '/bearer': `Bearer ${BEARER}`,
    '/basic': `Basic ${Buffer.from(`analysis:${PASSWORD}`).toString('base64')}`,
    '/web': `Bearer ${WEB_TOKEN}`,
  });
  controllers.push(await startController({ kubeconfig: cluster.kubeconfig, namespace: ns }));
  // rate() needs two scrapes of each app.
  for (const app of ['good', 'bad']) {
    await prometheus.waitForSeries(`sum(rate(http_requests_total{app="${app}"}[5s])) > 0`, undefined, 30_000);
  }
});

afterAll(async () => {
  for (const ctl of controllers) await ctl.stop();
  await prometheus?.stop();
  await Promise.all([good?.stop(), bad?.stop(), auth?.close()]);
  await deleteNamespace(cluster.api, ns);
});

describe('AnalysisRun', () => {
  it('a healthy app: Successful after count measurements, each recorded', async () => {
    await cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'error-rate', namespace: ns },
        spec: {
          args: [
            { name: 'app' },
            { name: 'prometheus' },
            { name: 'count', value: '3' },
            { name: 'failure-limit', value: '0' },
          ],
          metrics: [
            {
              name: 'error-rate',
              interval: '1s',
              count: '{{args.count}}',
              failureLimit: '{{args.failure-limit}}',
              successCondition: 'result[0] < 0.05',
              provider: { prometheus: { address: '{{args.prometheus}}', query: errorRatio('{{args.app}}') } },
            },
          ],
        },
      }),
    );
    const run = await newAnalysisRunFromTemplates(cluster.api, {
      namespace: ns,
      name: 'healthy',
      templates: [{ templateName: 'error-rate' }],
      args: [
        { name: 'app', value: 'good' },
        { name: 'prometheus', value: prometheus.url },
      ],
    });
    await cluster.api.create(analysisRunResource, run);
    const done = await runs.finished('healthy');
    expect(done.status?.phase, done.status?.message).toBe('Successful');
    expect(done.status?.message).toBe('the metric was successful');
    expect(done.status?.runSummary).toMatchObject({ count: 1, successful: 1 });
    expect(done.status?.metricResults?.[0]).toMatchObject({
      name: 'error-rate',
      phase: 'Successful',
      count: 3,
    });
    for (const m of measurements(done)) {
      expect(m).toMatchObject({ phase: 'Successful', value: '[0]' });
      expect(Date.parse(m.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(m.startedAt ?? ''));
    }
    expect(measurements(done)).toHaveLength(3);
    const metrics = await (await fetch(`${controllers[0]?.probeUrl}/metrics`)).text();
    for (const family of [
      'sluice_analysis_metric_value',
      'sluice_analysis_measurements_total',
      'sluice_analysis_runs_total',
    ]) {
      expect(metrics).toContain(`# TYPE ${family}`);
    }
  });

  it('an app answering errors: Failed after failureLimit + 1 failed measurements, naming the metric and value', async () => {
    const run = await newAnalysisRunFromTemplates(cluster.api, {
      namespace: ns,
      name: 'failing',
      templates: [{ templateName: 'error-rate' }],
      args: [
        { name: 'app', value: 'bad' },
        { name: 'prometheus', value: prometheus.url },
        { name: 'count', value: '10' },
        { name: 'failure-limit', value: '1' },
      ],
    });
    await cluster.api.create(analysisRunResource, run);
    const done = await runs.finished('failing');
    expect(done.status?.phase).toBe('Failed');
    expect(measurements(done).map((m) => m.phase)).toEqual(['Failed', 'Failed']);
    expect(done.status?.message).toMatch(
      /^Metric "error-rate" assessed Failed due to failed \(2\) > failureLimit \(1\); last value: \[0\.\d+\]/,
    );
    const value = Number(/last value: \[([\d.]+)\]/.exec(done.status?.message ?? '')?.[1]);
    expect(value).toBeGreaterThan(0.3);
    const events = await runs.events('failing', 'AnalysisRunFailed');
    expect(events.find((e) => e.reason === 'AnalysisRunFailed')).toMatchObject({
      type: 'Warning',
      note: expect.stringContaining('Metric "error-rate" assessed Failed'),
    });
    expect(events.find((e) => e.reason === 'MeasurementFailed')?.note).toMatch(
      /^metric "error-rate" measured \[0\.\d+\]/,
    );
  });

  it('no data: Inconclusive, never Successful', async () => {
    await runs.create('no-data', {
      metrics: [
        promMetric('latency', 'sum(rate(http_requests_total{app="absent"}[5s]))', { interval: undefined }),
      ],
    });
    const done = await runs.finished('no-data');
    expect(done.status?.phase).toBe('Inconclusive');
    expect(measurements(done)[0]).toMatchObject({ phase: 'Inconclusive', value: '[]' });
    expect(done.status?.message).toContain('query returned no data');
  });

  it('a condition with a syntax error: Error with the metric and the position', async () => {
    await runs.create('broken', {
      metrics: [promMetric('error-rate', errorRatio('good'), { successCondition: 'result[0] < 0.05 &&' })],
    });
    const done = await runs.finished('broken');
    expect(done.status?.phase).toBe('Error');
    expect(done.status?.message).toMatch(
      /metric "error-rate": invalid successCondition: .* at line 1, column \d+$/,
    );
    expect(measurements(done)).toHaveLength(0);
    // Refused as early as the template is used.
    await cluster.api.apply(analysisTemplateResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'broken', namespace: ns },
      spec: { metrics: [promMetric('error-rate', 'up', { failureCondition: 'result[0] >' })] },
    });
    await expect(
      newAnalysisRunFromTemplates(cluster.api, {
        namespace: ns,
        name: 'never',
        templates: [{ templateName: 'broken' }],
      }),
    ).rejects.toThrow(
      /^AnalysisTemplate "broken": metric "error-rate": invalid failureCondition: .* at line 1, column 12$/,
    );
  });

  it('credentials from Secrets reach the endpoints and never the run, its events or the logs', async () => {
    await createSecret(cluster.api, ns, 'prom-bearer', { token: BEARER });
    await createSecret(cluster.api, ns, 'prom-basic', { username: 'analysis', password: PASSWORD });
    await createSecret(cluster.api, ns, 'web', { token: WEB_TOKEN, wrong: 'not-the-token-4242' });
    const web = (name: string, key: string): Metric => ({
      name,
      successCondition: 'result == true',
      consecutiveErrorLimit: 0,
      provider: {
        web: {
          url: `${auth.url}/web`,
          jsonPath: '{$.ok}',
          headers: [{ key: 'Authorization', value: `Bearer {{args.${key}}}` }],
        },
      },
    });
    await runs.create('credentials', {
      args: [{ name: 'web-token', valueFrom: { secretKeyRef: { name: 'web', key: 'token' } } }],
      metrics: [
        promMetric('bearer', 'up', {
          interval: undefined,
          successCondition: 'result[0] == 1',
          provider: {
            prometheus: {
              address: `${auth.url}/bearer`,
              query: 'up',
              authentication: { bearer: { secretRef: { name: 'prom-bearer' } } },
            },
          },
        }),
        promMetric('basic', 'up', {
          interval: undefined,
          successCondition: 'result[0] == 1',
          provider: {
            prometheus: {
              address: `${auth.url}/basic`,
              query: 'up',
              authentication: { basic: { secretRef: { name: 'prom-basic' } } },
            },
          },
        }),
        web('web', 'web-token'),
      ],
    });
    await runs.create('wrong-credentials', {
      args: [{ name: 'wrong', valueFrom: { secretKeyRef: { name: 'web', key: 'wrong' } } }],
      metrics: [web('web', 'wrong')],
    });
    const done = await runs.finished('credentials');
    expect(done.status?.phase, done.status?.message).toBe('Successful');
    const wrong = await runs.finished('wrong-credentials');
    expect(wrong.status?.phase).toBe('Error');
    expect(measurements(wrong)[0]?.message).toMatch(/answered HTTP 401/);
    expect(auth.seen.get('/bearer')).toContain(`Bearer ${BEARER}`);
    expect(auth.seen.get('/web')).toContain(`Bearer ${WEB_TOKEN}`);
    expect(auth.seen.get('/web')).toContain('Bearer not-the-token-4242');
    const events = await cluster.api.list(core.events, ns);
    const written = JSON.stringify([done, wrong, events.items, controllers.map((c) => c.logs)]);
    const basic = Buffer.from(`analysis:${PASSWORD}`).toString('base64');
    for (const secret of [BEARER, PASSWORD, WEB_TOKEN, 'not-the-token-4242', basic])
      expect(written).not.toContain(secret);
  });

  it('the controller killed mid-run: measurements continue without duplicates or loss', async () => {
    await runs.create('restart', {
      metrics: [promMetric('error-rate', errorRatio('good'), { count: 8 })],
      measurementRetention: [{ metricName: 'error-rate', limit: 20 }],
    });
    const before = await eventually(async () => {
      const run = await runs.get('restart');
      expect(measurements(run).length).toBeGreaterThanOrEqual(3);
      return run;
    });
    await controllers[0]?.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    controllers.unshift(await startController({ kubeconfig: cluster.kubeconfig, namespace: ns }));
    const done = await runs.finished('restart');
    expect(done.status?.phase, done.status?.message).toBe('Successful');
    const all = measurements(done);
    expect(all).toHaveLength(8);
    expect(done.status?.metricResults?.[0]).toMatchObject({ count: 8, successful: 8 });
    // Nothing recorded before the kill was lost or rewritten.
    const kept = measurements(before);
    expect(all.slice(0, kept.length)).toEqual(kept);
    for (let i = 1; i < all.length; i++) {
      // One interval apart at least: no measurement was taken twice.
      expect(
        Date.parse(all[i]?.startedAt ?? '') - Date.parse(all[i - 1]?.finishedAt ?? ''),
      ).toBeGreaterThanOrEqual(990);
    }
  });

  it('Prometheus stopped mid-run: Error measurements, then Error after consecutiveErrorLimit, never Successful', async () => {
    await runs.create('outage', {
      metrics: [promMetric('error-rate', errorRatio('good'), { consecutiveErrorLimit: 1 })],
    });
    await eventually(async () =>
      expect(measurements(await runs.get('outage')).length).toBeGreaterThanOrEqual(2),
    );
    await prometheus.stopTemporarily();
    const seen = new Set<string>();
    try {
      const done = await runs.finished('outage', 45_000, seen);
      expect(done.status?.phase).toBe('Error');
      const phases = measurements(done).map((m) => m.phase);
      expect(phases.slice(-2)).toEqual(['Error', 'Error']);
      expect(phases.slice(0, -2).every((p) => p === 'Successful')).toBe(true);
      expect(measurements(done).at(-1)?.message).toMatch(
        /Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query is unreachable/,
      );
      expect(done.status?.message).toMatch(
        /^Metric "error-rate" assessed Error due to consecutiveErrors \(2\) > consecutiveErrorLimit \(1\)/,
      );
      expect(seen).not.toContain('Successful');
    } finally {
      await prometheus.restart();
    }
  });
});
