// The trail of a commit, end to end: an Application applies a canary Rollout from a real git
// repository; each push is a new version judged by real measurements (Debian's Prometheus
// scraping a healthy and a failing metrics app, chosen by the pod label `metrics-app`). v2
// promotes, v3-bad is rolled back by its analysis and the Application says so and which
// revision serves, v4 fixes forward and clears it; `kubectl sluice trail` tells each story.

import { beforeAll, describe, expect, it } from 'vitest';
import { TRAIL_STAGES } from '../../cli/trail/trail-model.ts';
import { type AnalysisRun, analysisRunResource } from '../../controller/api/analysis.ts';
import type { Application } from '../../controller/api/application.ts';
import { applicationResource } from '../../controller/api/application.ts';
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { appSuite, configMaps, configMapYaml } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { startController } from '../support/controller-process.ts';
import { canaryRolloutYaml, startErrorRateAnalysis } from '../support/error-rate-canary.ts';
import { applyObject, condition } from '../support/kinds.ts';
import { sluice } from '../support/kubectl-sluice.ts';

/** Pods of the test control plane and the measurements take tens of seconds. */
const SLOW = 240_000;

const suite = appSuite('trail', { files: { 'app/settings.yaml': configMapYaml('settings', { a: '1' }) } });
const { cluster } = suite;

beforeAll(async () => startErrorRateAnalysis(cluster, suite.ns), SLOW);

const rev = (sha: string) => `main@sha1:${sha}`;
const getRollout = () => cluster.api.get<Rollout>(rolloutResource, suite.ns, 'web');
const annotation = (o: KubeObject | undefined, key: string) => o?.metadata.annotations?.[key];

async function push(metricsApp: 'good' | 'bad', tag: string): Promise<string> {
  return suite.push({ 'app/web.yaml': canaryRolloutYaml(metricsApp, tag) }, `web ${tag}`);
}

async function waitStable(sha: string): Promise<Application> {
  return eventually(
    async () => {
      const ro = await getRollout();
      expect(ro.status?.phase, ro.status?.message).toBe('Healthy');
      expect(ro.status?.stableRevision).toBe(rev(sha));
      const app = await suite.getApp('web');
      expect(app.status?.health).toBe('Healthy');
      expect(app.status?.serving?.[0]?.stableRevision).toBe(rev(sha));
      return app;
    },
    SLOW - 30_000,
    500,
  );
}

async function appEvents(reason: string): Promise<string[]> {
  const events = await cluster.api.list<
    KubeObject & { reason?: string; note?: string; regarding?: { kind?: string } }
  >(core.events, suite.ns);
  return events.items
    .filter((e) => e.regarding?.kind === 'Application' && e.reason === reason)
    .map((e) => e.note ?? '');
}

let v1 = '';
let v2 = '';
let v3 = '';
let v4 = '';

describe('the trail of a commit', () => {
  it(
    'stamps every applied object with the revision that last changed it, and v2 promotes',
    async () => {
      const initial = await suite.work.head();
      v1 = await push('good', '1');
      await applyObject(cluster.api, applicationResource, suite.application('web', { path: 'app' }));
      await suite.waitApplied('web', v1);
      await waitStable(v1);
      expect(annotation(await getRollout(), 'sluice.dev/revision')).toBe(rev(v1));
      // The ConfigMap came with the first commit; the Application may have applied that one
      // before the source fetched v1, which did not change it.
      const settings = await cluster.api.get(configMaps, suite.ns, 'settings');
      const settingsStamp = annotation(settings, 'sluice.dev/revision');
      expect([rev(v1), rev(initial)]).toContain(settingsStamp);

      v2 = await push('good', '2');
      const app = await waitStable(v2);
      expect(app.status?.serving?.[0]).toMatchObject({ kind: 'Rollout', name: 'web', revision: rev(v2) });
      expect(annotation(await getRollout(), 'sluice.dev/revision')).toBe(rev(v2));
      // The ConfigMap did not change in v2: neither its stamp nor its resourceVersion moved.
      const after = await cluster.api.get(configMaps, suite.ns, 'settings');
      expect(annotation(after, 'sluice.dev/revision')).toBe(settingsStamp);
      expect(after.metadata.resourceVersion).toBe(settings.metadata.resourceVersion);
      // Never in the pod template: a new commit alone restarts no pods.
      expect(JSON.stringify((await getRollout()).spec.template)).not.toContain('main@sha1');
      const trail = await sluice(cluster, ['trail', '-n', suite.ns, 'web', '--revision', v2.slice(0, 8)]);
      expect(trail.code, trail.stderr).toBe(0);
      expect(trail.stdout).toContain(`Trail of ${rev(v2)} in Application ${suite.ns}/web`);
      expect(trail.stdout).toContain(`Verdict: Promoted: Rollout/web serves ${rev(v2)} as stable`);
    },
    SLOW * 2,
  );

  it(
    'v3-bad is rolled back by analysis: the Application names the revision, run, metric and value, and serves v2',
    async () => {
      v3 = await push('bad', '3');
      const app = await eventually(
        async () => {
          const a = await suite.getApp('web');
          expect(condition(a, 'RolledBack')?.status).toBe('True');
          return a;
        },
        SLOW,
        500,
      );
      const runs = (await cluster.api.list<AnalysisRun>(analysisRunResource, suite.ns)).items.filter(
        (r) => annotation(r, 'sluice.dev/source-revision') === rev(v3),
      );
      expect(runs).toHaveLength(1);
      const run = runs[0] as AnalysisRun;
      const message = condition(app, 'RolledBack')?.message ?? '';
      expect(message).toContain(`revision ${rev(v3)} was rolled back`);
      expect(message).toContain(run.metadata.name);
      expect(message).toMatch(/metric "error-rate" failed with value \[?0\.\d+/);
      expect(message).toContain(`serving revision ${rev(v2)}`);
      expect(condition(app, 'Ready')?.message).toContain(`serving revision ${rev(v2)}`);
      expect(app.status?.health).toBe('Degraded');
      expect(app.status?.serving?.[0]).toMatchObject({
        stableRevision: rev(v2),
        canaryRevision: rev(v3),
        aborted: true,
      });
      const events = await eventually(async () => {
        const notes = await appEvents('RolledBack');
        expect(notes).toHaveLength(1);
        return notes;
      });
      expect(events[0]).toBe(message);

      // Events are written in the background: the trail has them once the abort's is there.
      const trail = await eventually(async () => {
        const t = await sluice(cluster, ['trail', '-n', suite.ns, 'web']);
        expect(t.code, t.stderr).toBe(0);
        expect(t.stdout).toMatch(/RolloutAborted: Rollout aborted/);
        return t;
      });
      process.stdout.write(`[trail] kubectl sluice trail web:\n${trail.stdout}`);
      const lines = trail.stdout.split('\n');
      expect(trail.stdout).toContain(`Trail of ${rev(v3)}`);
      expect(lines.some((l) => /\bfetched\s+GitRepository\/repo\s+fetched main@sha1:/.test(l))).toBe(true);
      expect(lines.some((l) => /\bapplied\s+Application\/web\s+sync Succeeded: 1 changed/.test(l))).toBe(
        true,
      );
      expect(lines.some((l) => /\bchanged\s+Application\/web\s+changed Rollout .*\/web$/.test(l))).toBe(true);
      expect(lines.some((l) => /\bstep\s+Rollout\/web\s+RolloutStepCompleted: Step 1\/2/.test(l))).toBe(true);
      expect(
        lines.some((l) =>
          new RegExp(`measurement\\s+AnalysisRun/${run.metadata.name}\\s+error-rate = .*: Failed`).test(l),
        ),
      ).toBe(true);
      expect(trail.stdout).toContain(`Verdict: RolledBack: revision ${rev(v3)} was rolled back`);

      const json = await sluice(cluster, ['trail', '-n', suite.ns, 'web', '-o', 'json']);
      const parsed = JSON.parse(json.stdout) as {
        verdict: { outcome: string };
        entries: { stage: string }[];
      };
      expect(parsed.verdict.outcome).toBe('RolledBack');
      // Every stage of a commit that went through a canary and its analysis.
      expect(new Set(parsed.entries.map((e) => e.stage))).toEqual(new Set(TRAIL_STAGES));
    },
    SLOW,
  );

  it(
    'v4 fixes forward: the rollback is cleared and v4 serves',
    async () => {
      v4 = await push('good', '4');
      const app = await waitStable(v4);
      expect(condition(app, 'RolledBack')).toBeUndefined();
      expect(condition(app, 'Ready')?.message).toBe(`applied revision: ${rev(v4)}`);
      expect(app.status?.serving?.[0]?.aborted).toBeUndefined();
      const trail = await sluice(cluster, ['trail', '-n', suite.ns, 'web', '--revision', rev(v3)]);
      expect(trail.stdout).toContain(`Verdict: Replaced: Rollout/web has moved on: stable ${rev(v4)}`);
    },
    SLOW,
  );

  it(
    'after a controller restart, a commit that changes only the ConfigMap re-stamps only the ConfigMap',
    async () => {
      const before = await getRollout();
      await suite.ctl.stop();
      suite.ctl = await startController({
        kubeconfig: cluster.kubeconfig,
        namespace: suite.ns,
        args: [`--cache-dir=${suite.git.rootDir}/cache`],
        env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
      });
      const v5 = await suite.push(
        { 'app/settings.yaml': configMapYaml('settings', { a: '2' }) },
        'settings only',
      );
      await suite.waitApplied('web', v5);
      const settings = await cluster.api.get(configMaps, suite.ns, 'settings');
      expect(annotation(settings, 'sluice.dev/revision')).toBe(rev(v5));
      const ro = await getRollout();
      // Found unchanged in the live object after the restart: its stamp and pods stay.
      expect(annotation(ro, 'sluice.dev/revision')).toBe(rev(v4));
      expect(ro.metadata.generation).toBe(before.metadata.generation);
      expect(ro.status?.stableRevision).toBe(rev(v4));
    },
    SLOW,
  );
});
