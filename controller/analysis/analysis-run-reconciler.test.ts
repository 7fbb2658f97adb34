// The reconciler against the shared in-memory stand-in for the API server (test/support/
// fake-cluster.ts) and a scripted provider (test/support/analysis-fakes.ts), with a clock the
// tests move.
// The real thing, end to end, is test/e2e/analysis.test.ts.

import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnalysisRunCluster, ScriptedProvider } from '../../test/support/analysis-fakes.ts';
import type { AnalysisRun, Metric } from '../api/analysis.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { type AnalysisMetrics, createAnalysisMetrics } from '../observability/analysis-metrics.ts';
import { createLogger } from '../observability/logger.ts';
import { AnalysisRunReconciler } from './analysis-run-reconciler.ts';
import { createProviderRegistry } from './providers/registry.ts';

const metric = (extra: Partial<Metric> = {}): Metric => ({
  name: 'error-rate',
  interval: '1s',
  count: 3,
  successCondition: 'result[0] < 0.05',
  provider: { prometheus: { address: 'http://prom:9090', query: 'errors{svc="{{args.service}}"}' } },
  ...extra,
});

const newRun = (spec: Partial<AnalysisRun['spec']> = {}): AnalysisRun => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'AnalysisRun',
  metadata: { name: 'run', namespace: 'shop' },
  spec: { metrics: [metric()], args: [{ name: 'service', value: 'checkout' }], ...spec },
});

let clock: number;
let provider: ScriptedProvider;
let events: { type: string; reason: string; note: string }[];
let metrics: AnalysisMetrics;
let registry: Registry;
const log = createLogger('silent');
const ctx = { log, observe: () => undefined };

function setup(run: AnalysisRun): {
  cluster: AnalysisRunCluster;
  reconcile: () => Promise<number | undefined>;
} {
  const cluster = new AnalysisRunCluster(run);
  const reconciler = () =>
    new AnalysisRunReconciler({
      api: cluster.api(),
      events: { record: async (_o, type, reason, note) => void events.push({ type, reason, note }) },
      providers: createProviderRegistry({ api: cluster.api(), overrides: { prometheus: provider } }),
      metrics,
      now: () => new Date(clock),
    });
  return {
    cluster,
    // A fresh reconciler each time: nothing may be remembered outside status.
    reconcile: async () => (await reconciler().reconcile(structuredClone(cluster.run), ctx)).requeueAfterMs,
  };
}

/** Reconciles whenever asked to, moving the clock, until the run finishes. */
async function runToEnd(
  reconcile: () => Promise<number | undefined>,
  cluster: AnalysisRunCluster,
): Promise<AnalysisRun> {
  for (let i = 0; i < 100; i++) {
    const after = await reconcile();
    if (after === undefined) return cluster.run;
    clock += after;
  }
  throw new Error('the run did not finish');
}

beforeEach(() => {
  clock = Date.parse('2025-01-02T03:04:05Z');
  provider = new ScriptedProvider();
  events = [];
  registry = new Registry();
  metrics = createAnalysisMetrics(registry);
});

describe('AnalysisRunReconciler', () => {
  it('measures count times at the interval and succeeds, recording every measurement', async () => {
    const { cluster, reconcile } = setup(newRun());
    expect(await reconcile()).toBe(1000);
    expect(cluster.run.status).toMatchObject({ phase: 'Running', startedAt: '2025-01-02T03:04:05.000Z' });
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.phase).toBe('Successful');
    expect(run.status?.message).toBe('the metric was successful');
    const result = run.status?.metricResults?.[0];
    expect(result).toMatchObject({ name: 'error-rate', phase: 'Successful', count: 3, successful: 3 });
    expect(result?.measurements?.map((m) => [m.phase, m.value, m.startedAt])).toEqual([
      ['Successful', '[0.01]', '2025-01-02T03:04:05.000Z'],
      ['Successful', '[0.01]', '2025-01-02T03:04:06.000Z'],
      ['Successful', '[0.01]', '2025-01-02T03:04:07.000Z'],
    ]);
    expect(provider.requests[0]?.provider.prometheus?.query).toBe('errors{svc="checkout"}');
    expect(events.map((e) => e.reason)).toEqual(['AnalysisRunRunning', 'AnalysisRunSuccessful']);
    expect(run.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const text = await registry.metrics();
    expect(text).toContain(
      'sluice_analysis_measurements_total{namespace="shop",metric="error-rate",phase="Successful"} 3',
    );
    expect(text).toContain('sluice_analysis_metric_value{namespace="shop",metric="error-rate"} 0.01');
    expect(text).toContain('sluice_analysis_runs_total{namespace="shop",phase="Successful"} 1');
  });

  it('fails after failureLimit + 1 failed measurements, naming the metric and the value', async () => {
    provider.steps.push([0.5], [0.01], [0.6]);
    const { cluster, reconcile } = setup(newRun({ metrics: [metric({ count: 10, failureLimit: 1 })] }));
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.message).toBe(
      'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1); last value: [0.6]; last measurement: successCondition is false',
    );
    expect(run.status?.metricResults?.[0]?.measurements).toHaveLength(3);
    expect(events.filter((e) => e.reason === 'MeasurementFailed').map((e) => e.note)).toEqual([
      'metric "error-rate" measured [0.5]: successCondition is false',
      'metric "error-rate" measured [0.6]: successCondition is false',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'Warning', reason: 'AnalysisRunFailed' });
    expect(run.status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('AnalysisFailed');
  });

  it('records provider failures as Error measurements and errs after consecutiveErrorLimit', async () => {
    provider.steps.push([0.01], 'down', 'down');
    const { cluster, reconcile } = setup(
      newRun({ metrics: [metric({ count: 10, consecutiveErrorLimit: 1 })] }),
    );
    await reconcile();
    clock += 1000;
    await reconcile();
    // Argo waits ten seconds after an error before measuring again.
    expect(await reconcile()).toBe(10_000);
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.phase).toBe('Error');
    expect(run.status?.metricResults?.[0]?.measurements?.map((m) => m.phase)).toEqual([
      'Successful',
      'Error',
      'Error',
    ]);
    expect(run.status?.message).toMatch(
      /^Metric "error-rate" assessed Error due to consecutiveErrors \(2\) > consecutiveErrorLimit \(1\); last measurement: Prometheus at .* is unreachable/,
    );
    expect(events.filter((e) => e.reason === 'MeasurementError')).toHaveLength(2);
  });

  it('is Inconclusive, never Successful, when the query returns no data', async () => {
    provider.steps.push([]);
    const { cluster, reconcile } = setup(
      newRun({ metrics: [metric({ count: undefined, interval: undefined })] }),
    );
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.phase).toBe('Inconclusive');
    expect(run.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({
      phase: 'Inconclusive',
      value: '[]',
      message: expect.stringContaining('query returned no data'),
    });
  });

  it('ends in Error naming the metric and the position when a condition does not compile', async () => {
    const { cluster, reconcile } = setup(newRun({ metrics: [metric({ successCondition: 'result[0] <' })] }));
    expect(await reconcile()).toBeUndefined();
    expect(cluster.run.status?.phase).toBe('Error');
    expect(cluster.run.status?.message).toMatch(
      /^analysis spec invalid: metric "error-rate": invalid successCondition: .* at line 1, column 12$/,
    );
    expect(provider.requests).toHaveLength(0);
    expect(events.map((e) => e.reason)).toEqual(['AnalysisRunError']);
  });

  it('continues after a restart without taking a recorded measurement again', async () => {
    const { cluster, reconcile } = setup(newRun());
    await reconcile();
    // Woken early (a restart, a resync): nothing is due yet, nothing is measured.
    clock += 400;
    expect(await reconcile()).toBe(600);
    expect(provider.requests).toHaveLength(1);
    clock += 600;
    await reconcile();
    expect(cluster.run.status?.metricResults?.[0]?.measurements).toHaveLength(2);
  });

  it('refuses to write over status it did not read (stale cache), so nothing is lost', async () => {
    const { cluster, reconcile } = setup(newRun());
    await reconcile();
    const stale = structuredClone(cluster.run);
    clock += 1000;
    await reconcile();
    const reconciler = new AnalysisRunReconciler({
      api: cluster.api(),
      events: { record: async () => undefined },
      providers: createProviderRegistry({ api: cluster.api(), overrides: { prometheus: provider } }),
      metrics,
      now: () => new Date(clock),
    });
    await expect(reconciler.reconcile(stale, ctx)).rejects.toMatchObject({ code: 409 });
    expect(cluster.run.status?.metricResults?.[0]?.measurements).toHaveLength(2);
  });

  it('stops on terminate: Successful with what was measured, as Argo does', async () => {
    const { cluster, reconcile } = setup(newRun({ metrics: [metric({ count: undefined })] }));
    await reconcile();
    cluster.run.spec.terminate = true;
    clock += 5000;
    expect(await reconcile()).toBeUndefined();
    expect(cluster.run.status).toMatchObject({ phase: 'Successful', message: 'run terminated' });
    expect(provider.requests).toHaveLength(1);
  });

  it('keeps measurementRetention measurements but counts all of them', async () => {
    const { cluster, reconcile } = setup(
      newRun({
        metrics: [metric({ count: 5 })],
        measurementRetention: [{ metricName: 'error.*', limit: 2 }],
      }),
    );
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.metricResults?.[0]).toMatchObject({ phase: 'Successful', count: 5, successful: 5 });
    expect(run.status?.metricResults?.[0]?.measurements).toHaveLength(2);
  });

  it('does not let a dry-run metric decide the run', async () => {
    provider.steps.push([0.9], [0.01]);
    const { cluster, reconcile } = setup(
      newRun({
        metrics: [
          metric({ name: 'shadow', count: 1, interval: undefined }),
          metric({ count: 1, interval: undefined }),
        ],
        dryRun: [{ metricName: 'shadow' }],
      }),
    );
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.phase).toBe('Successful');
    expect(run.status?.metricResults?.[0]).toMatchObject({ name: 'shadow', phase: 'Failed', dryRun: true });
    expect(run.status?.dryRunSummary).toMatchObject({ count: 1, failed: 1 });
    expect(run.status?.message).toContain('dry run: Metric "shadow" assessed Failed');
  });

  it('reads Secret arguments and credentials when measuring, and never writes them down', async () => {
    const token = 'tok-3f9a0c7e1b';
    const run = newRun({
      args: [
        { name: 'service', value: 'checkout' },
        { name: 'tenant', valueFrom: { secretKeyRef: { name: 'prom-auth', key: 'tenant' } } },
      ],
      metrics: [
        metric({
          count: 1,
          interval: undefined,
          provider: {
            prometheus: {
              address: 'http://prom:9090',
              query: 'errors{tenant="{{args.tenant}}"}',
              headers: [{ key: 'X-Scope-OrgID', value: '{{args.tenant}}' }],
              authentication: { bearer: { secretRef: { name: 'prom-auth' } } },
            },
          },
        }),
      ],
    });
    const { cluster, reconcile } = setup(run);
    cluster.secrets.set('prom-auth', { token, tenant: 'tenant-secret-7' });
    await runToEnd(reconcile, cluster);
    expect(provider.requests[0]?.credentials).toEqual({ kind: 'bearer', token });
    expect(provider.requests[0]?.provider.prometheus?.headers).toEqual([
      { key: 'X-Scope-OrgID', value: 'tenant-secret-7' },
    ]);
    expect(cluster.run.status?.phase).toBe('Successful');
    const stored = JSON.stringify(cluster.run);
    expect(stored).not.toContain('tenant-secret-7');
    expect(stored).not.toContain(token);
    expect(cluster.run.status?.metricResults?.[0]?.measurements?.[0]?.metadata?.ResolvedPrometheusQuery).toBe(
      'errors{tenant="[redacted]"}',
    );
  });

  it('records a missing Secret as an Error measurement that says which', async () => {
    const { cluster, reconcile } = setup(
      newRun({
        metrics: [
          metric({
            consecutiveErrorLimit: 0,
            provider: {
              prometheus: {
                address: 'http://prom:9090',
                query: 'up',
                authentication: { basic: { secretRef: { name: 'nope' } } },
              },
            },
          }),
        ],
      }),
    );
    const run = await runToEnd(reconcile, cluster);
    expect(run.status?.phase).toBe('Error');
    expect(run.status?.metricResults?.[0]?.measurements?.[0]?.message).toBe('Secret shop/nope not found');
    expect(provider.requests).toHaveLength(0);
  });
});

describe('AnalysisRunReconciler with the job provider', () => {
  const jobMetric = (extra: Partial<Metric> = {}): Metric => ({
    name: 'smoke',
    provider: {
      job: {
        metadata: { labels: { team: 'shop' } },
        spec: { backoffLimit: 0, template: { spec: { containers: [{ name: 't', image: 'busybox' }] } } },
      },
    },
    ...extra,
  });
  const jobRun = (spec: Partial<AnalysisRun['spec']> = {}): AnalysisRun => ({
    ...newRun({ metrics: [jobMetric()], args: [], ...spec }),
    metadata: { name: 'run', namespace: 'shop', uid: 'run-uid' },
  });
  const jobsIn = (cluster: AnalysisRunCluster) => cluster.list<KubeObject>(core.jobs);
  const finish = (cluster: AnalysisRunCluster, name: string, type: 'Complete' | 'Failed') => {
    const job = cluster.stored<KubeObject>(core.jobs, 'shop', name);
    if (job === undefined) throw new Error(`no Job ${name}`);
    job.status = {
      conditions: [{ type, status: 'True', reason: type === 'Failed' ? 'BackoffLimitExceeded' : '' }],
    };
  };

  it('runs a Job per measurement, Running until it completes, then Successful', async () => {
    const { cluster, reconcile } = setup(jobRun());
    await reconcile();
    expect(jobsIn(cluster).map((j) => j.metadata.name)).toEqual(['run-smoke-1']);
    expect(jobsIn(cluster)[0]?.metadata).toMatchObject({
      labels: { team: 'shop', 'sluice.dev/analysis-run-uid': 'run-uid' },
      ownerReferences: [{ kind: 'AnalysisRun', name: 'run', uid: 'run-uid' }],
    });
    expect(cluster.run.status?.metricResults?.[0]?.measurements).toEqual([
      expect.objectContaining({ phase: 'Running', metadata: { 'job-name': 'run-smoke-1' } }),
    ]);
    clock += 1000;
    await reconcile();
    // Still running: the same Job is looked at, no second one is made.
    expect(jobsIn(cluster)).toHaveLength(1);
    finish(cluster, 'run-smoke-1', 'Complete');
    await reconcile();
    expect(cluster.run.status?.phase).toBe('Successful');
    expect(cluster.run.status?.metricResults?.[0]).toMatchObject({
      phase: 'Successful',
      count: 1,
      successful: 1,
    });
  });

  it('fails the run when the Job fails, saying why', async () => {
    const { cluster, reconcile } = setup(jobRun());
    await reconcile();
    finish(cluster, 'run-smoke-1', 'Failed');
    await reconcile();
    expect(cluster.run.status?.phase).toBe('Failed');
    expect(cluster.run.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({
      phase: 'Failed',
      message: 'job run-smoke-1 failed: BackoffLimitExceeded',
    });
  });

  it('deletes Jobs whose measurements retention dropped', async () => {
    const run = jobRun({
      metrics: [jobMetric({ interval: '1s', count: 3 })],
      measurementRetention: [{ metricName: 'smoke', limit: 1 }],
    });
    const { cluster, reconcile } = setup(run);
    for (const n of [1, 2, 3]) {
      await reconcile();
      finish(cluster, `run-smoke-${n}`, 'Complete');
      await reconcile();
      clock += 1000;
    }
    expect(cluster.run.status?.phase).toBe('Successful');
    expect(jobsIn(cluster).map((j) => j.metadata.name)).toEqual(['run-smoke-3']);
  });

  it('terminating the run deletes its running Job', async () => {
    const { cluster, reconcile } = setup(jobRun());
    await reconcile();
    cluster.run.spec.terminate = true;
    await reconcile();
    expect(jobsIn(cluster)).toEqual([]);
    expect(cluster.run.status?.phase).toBe('Successful');
    expect(cluster.run.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({
      phase: 'Successful',
      message: 'metric terminated',
    });
  });
});
