// Two leader-elected replicas, the leader SIGKILLed in the middle of a canary's analysis:
// the standby takes over once the Lease expires (the time is printed, not asserted) and
// carries on from status: the same AnalysisRun, every step once and in order.
// (leader-election.test.ts covers the Lease itself: holder, renewals, SIGTERM handover.)

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import { measurements } from '../support/analysis-runs.ts';
import { createNamespace, deleteNamespace, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { recorded, seconds } from '../support/faults.ts';
import {
  type AnalysisBackend,
  errorRateTemplate,
  RolloutRecorder,
  startAnalysisBackend,
} from '../support/faults-rollouts.ts';
import { RolloutDriver, template } from '../support/rollouts.ts';

const cluster = testCluster();
const STEPS = [
  { setWeight: 50 },
  { analysis: { templates: [{ templateName: 'error-rate' }] } },
  { pause: { duration: 3 } },
  { analysis: { templates: [{ templateName: 'error-rate' }] } },
];
let ns: string;
let workDir: string;
let backend: AnalysisBackend;
let rec: RolloutRecorder;
const running: ControllerProcess[] = [];

async function replica(name: string): Promise<ControllerProcess> {
  const ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: ['--leader-elect', `--cache-dir=${join(workDir, name)}`],
    env: { POD_NAMESPACE: ns, POD_NAME: name },
  });
  running.push(ctl);
  return ctl;
}

const became = (l: Record<string, unknown>) => l.msg === 'became leader';

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sluice-faults-leader-'));
  ns = await createNamespace(cluster.api, 'faults-leader');
  backend = await startAnalysisBackend();
  // Long enough (count 10 at 1 s) that the kill lands while the run measures.
  await cluster.api.create(
    analysisTemplateResource,
    errorRateTemplate(ns, backend.prometheus.url, { count: 10 }),
  );
  rec = new RolloutRecorder(cluster, ns);
  await rec.start();
}, 300_000);

afterAll(async () => {
  rec?.stop();
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  await backend?.stop();
  await deleteNamespace(cluster.api, ns);
  await rm(workDir, { recursive: true, force: true });
});

describe('leader SIGKILLed mid-rollout', () => {
  it('the standby takes over and does no step twice', async () => {
    const a = await replica('replica-a');
    await a.waitForLog(became, 60_000);
    const b = await replica('replica-b');
    await b.waitForLog((l) => l.msg === 'another replica is leader; standing by', 60_000);
    const ro = new RolloutDriver(cluster, ns);
    await ro.create('web', {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: template('web', 'example.invalid/web:1'),
      strategy: { canary: { steps: STEPS } },
    });
    const h1 = (await rec.whenRollout((r) => r.status?.phase === 'Healthy')).status?.stableRS as string;
    await ro.setImage('web', 'example.invalid/web:2');

    let killedAt = 0;
    const run = await rec.whenRun(
      (r) => measurements(r).length >= 2 && r.status?.phase === 'Running',
      () => {
        a.child.kill('SIGKILL');
        killedAt = Date.now();
      },
    );
    await b.waitForLog(became, 60_000);
    const takeover = Date.now() - killedAt;
    // First status the new leader writes after taking over.
    const writes = rec.statuses.get('web')?.length ?? 0;
    await rec.whenRollout(
      () => (rec.statuses.get('web')?.length ?? 0) > writes,
      () => {},
      120_000,
    );
    const firstWrite = Date.now() - killedAt;
    process.stderr.write(
      `[faults-leader] standby became leader ${seconds(takeover)} after SIGKILL of the leader; first status write ${seconds(firstWrite)}\n`,
    );

    await recorded('leader SIGKILL', 'leader killed while an AnalysisRun measures', async () => {
      const done = await rec.whenRollout(
        (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== h1 && r.status.stableRS !== undefined,
        () => {},
        240_000,
      );
      const h2 = done.status?.stableRS as string;
      expect(run.metadata.name).toBe(`web-${h2}-1`);
      expect(rec.steps('web', h2)).toEqual([0, 1, 2, 3, 4]);
      expect(rec.runNames()).toEqual([`web-${h2}-1`, `web-${h2}-3`]);
      expect(rec.recreatedRuns()).toEqual([]);
      const runs = await ro.runs('web');
      expect(runs.map((r) => r.status?.phase)).toEqual(['Successful', 'Successful']);
      // Measurements of the run the leader died in: none lost or repeated (timestamps strictly increase).
      const first = runs.find((r) => r.metadata.name === run.metadata.name);
      if (!first) throw new Error(`run ${run.metadata.name} is gone`);
      const times = measurements(first).map((m) => Date.parse(m.startedAt ?? ''));
      expect(times.every((t, i) => i === 0 || t > (times[i - 1] as number))).toBe(true);
      return `takeover ${seconds(takeover)} (Lease 15 s), first status write ${seconds(firstWrite)} after the kill; steps 0..4 once each; 2 AnalysisRuns, none twice`;
    });
  }, 400_000);
});
