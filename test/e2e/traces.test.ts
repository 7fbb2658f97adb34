// OpenTelemetry traces of commits, end to end, in a real Jaeger (the all-in-one binary at a
// pinned release, memory storage, its OTLP/HTTP receiver) read through its HTTP query API.
// An Application applies a canary Rollout judged by real measurements (Debian's Prometheus
// scraping a healthy and a failing metrics app); v2 promotes and v3-bad is rolled back. Each
// push is one trace, from fetch to verdict, with the trace id the Application and
// `kubectl sluice trail` show; the controller is killed while v3's analysis runs, and what the
// next one sends joins the same trace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalysisRun, analysisRunResource } from '../../controller/api/analysis.ts';
import { applicationResource } from '../../controller/api/application.ts';
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { commitTraceId } from '../../controller/observability/tracing/commit-trace.ts';
import { appSuite, configMapYaml } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { canaryRolloutYaml, startErrorRateAnalysis } from '../support/error-rate-canary.ts';
import {
  type Jaeger,
  type JaegerSpan,
  type JaegerTrace,
  startJaeger,
  tagOf,
} from '../support/jaeger/jaeger.ts';
import { applyObject, condition } from '../support/kinds.ts';
import { sluice } from '../support/kubectl-sluice.ts';

const SLOW = 240_000;
const SERVICE = 'sluice-traces-e2e';

let jaeger: Jaeger | undefined;
const suite = appSuite('traces', {
  files: { 'app/settings.yaml': configMapYaml('settings', { a: '1' }) },
  // The suite's first controller starts before Jaeger does; beforeAll restarts it with this.
  controllerEnv: () =>
    jaeger
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
          OTEL_SERVICE_NAME: SERVICE,
          // Sent within a fifth of a second: the test kills the controller once Jaeger has v3's steps.
          OTEL_BSP_SCHEDULE_DELAY: '200',
        }
      : {},
});
const { cluster } = suite;
let stopAnalysis: (() => Promise<void>) | undefined;
beforeAll(async () => {
  jaeger = await startJaeger(cluster.binDir);
  await suite.restartController('SIGTERM');
  // Time to kill the controller between v3's run starting and its first measurement.
  stopAnalysis = await startErrorRateAnalysis(cluster, suite.ns, { initialDelay: '10s' });
}, SLOW);

afterAll(async () => {
  await stopAnalysis?.();
  await jaeger?.stop();
});

const rev = (sha: string) => `main@sha1:${sha}`;
const getRollout = () => cluster.api.get<Rollout>(rolloutResource, suite.ns, 'web');
const push = (metricsApp: 'good' | 'bad', tag: string) =>
  suite.push({ 'app/web.yaml': canaryRolloutYaml(metricsApp, tag) }, `web ${tag}`);
const traceOf = (sha: string) => commitTraceId({ namespace: suite.ns, name: 'web' }, rev(sha));

async function waitStable(sha: string): Promise<void> {
  await eventually(
    async () => {
      const ro = await getRollout();
      expect(ro.status?.phase, ro.status?.message).toBe('Healthy');
      expect(ro.status?.stableRevision).toBe(rev(sha));
    },
    SLOW - 30_000,
    500,
  );
}

const names = (t: JaegerTrace) => new Set(t.spans.map((s) => s.operationName));
const isError = (s: JaegerSpan) => tagOf(s, 'otel.status_code') === 'ERROR' || tagOf(s, 'error') === true;
const span = (t: JaegerTrace, name: string) => t.spans.find((s) => s.operationName === name);
const parentOf = (s: JaegerSpan | undefined) => s?.references.find((r) => r.refType === 'CHILD_OF')?.spanID;

/** Jaeger has the trace with every span `names` lists (spans arrive in batches). */
async function traceWith(traceID: string, expected: string[]): Promise<JaegerTrace> {
  return eventually(
    async () => {
      const t = await (jaeger as Jaeger).trace(traceID);
      expect(t, `trace ${traceID} in Jaeger`).toBeDefined();
      expect([...names(t as JaegerTrace)]).toEqual(expect.arrayContaining(expected));
      return t as JaegerTrace;
    },
    60_000,
    500,
  );
}

const EVERY_STAGE = [
  'commit',
  'fetch',
  'render',
  'apply',
  'rollout',
  'rollout step',
  'analysis',
  'measurement',
  'verdict',
];

let v2 = '';
let v3 = '';

describe('a trace per commit in Jaeger', () => {
  it(
    'v2 promotes: one trace from fetch to verdict, none of it in error, its id on the Application and in the trail',
    async () => {
      const v1 = await push('good', '1');
      await applyObject(cluster.api, applicationResource, suite.application('web', { path: 'app' }));
      await suite.waitApplied('web', v1);
      await waitStable(v1);
      v2 = await push('good', '2');
      await waitStable(v2);

      const app = await suite.getApp('web');
      expect(app.status?.trace).toEqual({ revision: rev(v2), traceID: traceOf(v2) });
      const t = await traceWith(traceOf(v2), EVERY_STAGE);
      expect(t.spans.filter(isError).map((s) => s.operationName)).toEqual([]);
      // The tree: the commit is the root; the update hangs under it, its run under the update.
      const commit = span(t, 'commit');
      expect(parentOf(commit)).toBeUndefined();
      expect(parentOf(span(t, 'apply'))).toBe(commit?.spanID);
      expect(parentOf(span(t, 'rollout'))).toBe(commit?.spanID);
      expect(parentOf(span(t, 'analysis'))).toBe(span(t, 'rollout')?.spanID);
      expect(parentOf(span(t, 'measurement'))).toBe(span(t, 'analysis')?.spanID);
      expect(tagOf(span(t, 'verdict') as JaegerSpan, 'sluice.verdict')).toBe('Promoted');
      expect(tagOf(span(t, 'measurement') as JaegerSpan, 'sluice.metric')).toBe('error-rate');
      const steps = t.spans.filter((s) => s.operationName === 'rollout step');
      expect(steps.map((s) => tagOf(s, 'sluice.canary.weight'))).toContain(50);

      const trail = await sluice(cluster, ['trail', '-n', suite.ns, 'web', '--revision', v2.slice(0, 8)]);
      expect(trail.code, trail.stderr).toBe(0);
      expect(trail.stdout).toContain(`Trace: ${traceOf(v2)}`);
    },
    SLOW * 2,
  );

  it(
    'v3-bad is rolled back: its own trace, with the failed measurement, the run and the verdict in error, across a controller kill',
    async () => {
      v3 = await push('bad', '3');
      // Killed once Jaeger has v3's first step and its run waits for its first measurement:
      // spans still in a killed controller's batch are lost, so the kill comes when there
      // are none; the next controller sends the rest of the trace.
      await traceWith(traceOf(v3), ['commit', 'apply', 'rollout step']);
      const run = await eventually(async () => {
        const runs = (await cluster.api.list<AnalysisRun>(analysisRunResource, suite.ns)).items.filter(
          (r) => r.metadata.annotations?.['sluice.dev/source-revision'] === rev(v3),
        );
        expect(runs).toHaveLength(1);
        return runs[0] as AnalysisRun;
      });
      expect(run.metadata.annotations?.['sluice.dev/traceparent']).toMatch(new RegExp(`^00-${traceOf(v3)}-`));
      const measured = run.status?.metricResults?.flatMap((m) => m.measurements ?? []) ?? [];
      expect(measured, 'measured before the kill: initialDelay is too short here').toEqual([]);
      await suite.restartController('SIGKILL');
      await eventually(
        async () => expect(condition(await suite.getApp('web'), 'RolledBack')?.status).toBe('True'),
        SLOW,
        500,
      );
      const t = await traceWith(traceOf(v3), EVERY_STAGE);
      const errors = new Set(t.spans.filter(isError).map((s) => s.operationName));
      expect(errors).toEqual(new Set(['measurement', 'analysis', 'rollout', 'verdict']));
      expect(tagOf(span(t, 'verdict') as JaegerSpan, 'sluice.verdict')).toBe('RolledBack');
      const failed = t.spans.find((s) => s.operationName === 'measurement' && isError(s)) as JaegerSpan;
      expect(tagOf(failed, 'sluice.measurement.phase')).toBe('Failed');
      expect(String(tagOf(failed, 'sluice.measurement.value'))).toMatch(/0\.\d+/);

      // The two pushes are two traces of the service, each with its own id.
      const all = await (jaeger as Jaeger).traces(SERVICE);
      const ids = all.map((x) => x.traceID);
      expect(ids).toEqual(expect.arrayContaining([traceOf(v2), traceOf(v3)]));
      expect(traceOf(v2)).not.toBe(traceOf(v3));

      const app = await suite.getApp('web');
      expect(app.status?.trace?.traceID).toBe(traceOf(v3));
      const json = await sluice(cluster, ['trail', '-n', suite.ns, 'web', '-o', 'json']);
      expect((JSON.parse(json.stdout) as { traceID?: string }).traceID).toBe(traceOf(v3));
    },
    SLOW * 2,
  );
});
