// The bad-input corpus, analysis channels: AnalysisRuns whose Prometheus address answers
// garbage (HTML, NaN, nothing, a hang...), and conditions that reach for JavaScript objects.
// Every run ends Error or Inconclusive with a readable message, never Successful; the
// controller stays up; a canary judged by a garbage answer is never promoted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalysisRun, analysisTemplateResource, type Metric } from '../../controller/api/analysis.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { AnalysisRunDriver, measurements } from '../support/analysis-runs.ts';
import { type ExpressionCase, loadCases, type PrometheusCase } from '../support/bad-input.ts';
import { type GarbageServer, startGarbageServer } from '../support/bad-input-prometheus.ts';
import { createNamespace, deleteNamespace, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type PrometheusServer, startPrometheus } from '../support/prometheus/prometheus-server.ts';
import { RolloutDriver, SLOW, template } from '../support/rollouts.ts';

const cluster = testCluster();
const garbageCases = loadCases('prometheus');
const expressionCases = loadCases('expression');
let ns: string;
let runs: AnalysisRunDriver;
let garbage: GarbageServer;
let prometheus: PrometheusServer;
let ctl: ControllerProcess;

const metric = (address: string, conditions: Partial<Metric>): Metric => ({
  name: 'error-rate',
  interval: '1s',
  count: 3,
  consecutiveErrorLimit: 0,
  ...conditions,
  provider: { prometheus: { address, query: 'vector(0.01)', timeout: 1 } },
});

/** Waits for the run to finish, recording every phase it went through on the way. */
async function finished(name: string): Promise<{ run: AnalysisRun; seen: Set<string> }> {
  const seen = new Set<string>();
  const run = await runs.finished(name, 60_000, seen);
  return { run, seen };
}

async function expectReported(name: string, c: PrometheusCase | ExpressionCase): Promise<void> {
  const events = await runs.events(name, c.expect.event.reason);
  expect(events.find((e) => e.reason === c.expect.event.reason)?.type).toBe(c.expect.event.type);
  const log = c.expect.log;
  await ctl.waitForLog((l) => l.name === name && Object.entries(log).every(([k, v]) => l[k] === v));
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'bad-input-analysis');
  runs = new AnalysisRunDriver(cluster, ns);
  garbage = await startGarbageServer(garbageCases);
  // Conditions are judged against a real Prometheus answering `vector(0.01)`.
  prometheus = await startPrometheus();
  ctl = await startController({ kubeconfig: cluster.kubeconfig, namespace: ns });
});

afterAll(async () => {
  await ctl?.stop();
  await prometheus?.stop();
  await garbage?.close();
  if (ns) await deleteNamespace(cluster.api, ns);
});

describe('Prometheus answering garbage', () => {
  it.each(garbageCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    await runs.create(c.id, {
      metrics: [metric(`${garbage.url}/${c.id}`, { successCondition: 'result[0] < 0.05' })],
    });
    const { run, seen } = await finished(c.id);
    expect(seen).not.toContain('Successful');
    expect(run.status?.phase, run.status?.message).toBe(c.expect.run.phase);
    const first = measurements(run)[0];
    expect(first?.phase).toBe(c.expect.measurement.phase);
    expect(first?.message).toContain(c.expect.measurement.message);
    expect(garbage.hits.get(c.id)).toBeGreaterThan(0);
    await expectReported(c.id, c);
  });
});

describe('conditions reaching for JavaScript', () => {
  it.each(expressionCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    await runs.create(c.id, { metrics: [metric(prometheus.url, c.input)] });
    const { run, seen } = await finished(c.id);
    expect(seen).not.toContain('Successful');
    expect(run.status?.phase).toBe(c.expect.run.phase);
    if (c.expect.stage === 'compile') {
      expect(run.status?.message).toContain(c.expect.message);
      expect(measurements(run)).toHaveLength(0);
    } else {
      expect(measurements(run)[0]).toMatchObject({ phase: 'Error', value: '[0.01]' });
      expect(measurements(run)[0]?.message).toContain(c.expect.message);
    }
    await expectReported(c.id, c);
  });

  it('left the controller running and healthy', async () => {
    expect(ctl.child.exitCode).toBeNull();
    expect((await fetch(`${ctl.probeUrl}/healthz`)).status).toBe(200);
  });
});

describe('a canary judged by garbage', () => {
  it(
    'is never promoted: an HTML answer aborts the update and the stable version stays',
    async () => {
      await cluster.api.create(analysisTemplateResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'garbage', namespace: ns },
        spec: {
          metrics: [metric(`${garbage.url}/html-page`, { successCondition: 'result[0] < 0.05' })],
        },
      } as KubeObject);
      const ro = new RolloutDriver(cluster, ns);
      await ro.create('web', {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: template('web', 'example.invalid/web:1'),
        strategy: {
          canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'garbage' }] } }] },
        },
      });
      const stable = (await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS;
      await ro.setImage('web', 'example.invalid/web:2');
      const aborted = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.stableRS).toBe(stable);
      expect(aborted.status?.message).toContain('error-rate');
      const [run] = await ro.runs('web');
      expect(run?.status?.phase).toBe('Error');
      expect(measurements(run as AnalysisRun)[0]?.message).toContain('HTML page');
      await ro.waitFor('web', async () => {
        expect(await ro.scale('web')).toMatchObject({ [stable as string]: { spec: 2 } });
      });
      const events = await cluster.api.list<KubeObject>(core.events, ns);
      expect(
        events.items.some(
          (e) => (e.regarding as { name?: string }).name === 'web' && e.reason === 'AnalysisRunError',
        ),
        JSON.stringify(events.items.map((e) => e.reason)),
      ).toBe(true);
    },
    SLOW,
  );
});
