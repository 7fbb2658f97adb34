// A blue-green Rollout whose controller is SIGKILLed at every stage — in the middle of the
// first reconcile (new ReplicaSet created, status not written), preview up, pre-promotion
// analysis (as it starts and while it measures), the switch, post-promotion analysis (as
// it starts and while it measures) and promoted with the old version still up for its
// scale-down delay — reaches the same end as the same update run without faults next to
// it. As for the canary, one Rollout is killed again at each successive stage.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rollout } from '../../controller/api/rollout.ts';
import { eventually, testCluster } from '../support/cluster.ts';
import { recorded, seconds } from '../support/faults.ts';
import {
  type AnalysisBackend,
  BLUE_GREEN_STAGES,
  blueGreenStage,
  inOrder,
  median,
  type RolloutSide,
  rolloutSide,
  startAnalysisBackend,
  updateAndKillBeforeStatus,
} from '../support/faults-rollouts.ts';
import { POD_TEMPLATE_HASH_LABEL, template } from '../support/rollouts.ts';

const cluster = testCluster();
const NAME = 'web';
let backend: AnalysisBackend;
const sides: RolloutSide[] = [];

async function side(prefix: string): Promise<RolloutSide> {
  const s = await rolloutSide(cluster, prefix, {
    app: NAME,
    services: ['web-active', 'web-preview'],
    prometheusUrl: backend.prometheus.url,
    count: 5,
  });
  sides.push(s);
  const analysis = { templates: [{ templateName: 'error-rate' }] };
  await s.ro.create(NAME, {
    replicas: 2,
    selector: { matchLabels: { app: NAME } },
    template: template(NAME, 'example.invalid/web:1'),
    strategy: {
      blueGreen: {
        activeService: 'web-active',
        previewService: 'web-preview',
        previewReplicaCount: 1,
        scaleDownDelaySeconds: 5,
        prePromotionAnalysis: analysis,
        postPromotionAnalysis: analysis,
      },
    },
  });
  return s;
}

beforeAll(async () => {
  backend = await startAnalysisBackend();
}, 300_000);

afterAll(async () => {
  for (const s of sides) await s.remove();
  await backend?.stop();
});

const stageAtLeast = (h2: string, stage: string) => (r: Rollout) =>
  r.status?.currentPodHash === h2 &&
  BLUE_GREEN_STAGES.indexOf(blueGreenStage(r.status)) >= BLUE_GREEN_STAGES.indexOf(stage);

/** Promoted, and the old ReplicaSet scaled down once its delay passed. */
async function settled(s: RolloutSide, h1: string, h2: string): Promise<Rollout> {
  await s.rec.whenReplicaSet(
    (r) => r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === h1 && (r.spec.replicas ?? 0) === 0,
    () => {},
    240_000,
  );
  return s.rec.whenRollout(
    (r) => r.status?.phase === 'Healthy' && r.status.stableRS === h2,
    () => {},
    60_000,
  );
}

describe('blue-green: controller SIGKILLed at every stage', () => {
  it('reaches the same end as an uninterrupted run, every stage in order, no analysis twice', async () => {
    const [faulted, baseline] = await Promise.all([side('faults-bg'), side('faults-bg-base')]);
    if (!faulted || !baseline) throw new Error('no namespaces');
    const v1 = await faulted.rec.whenRollout((r) => r.status?.phase === 'Healthy');
    await baseline.rec.whenRollout((r) => r.status?.phase === 'Healthy');
    const h1 = v1.status?.stableRS as string;
    const kills: string[] = [];

    const uninterrupted = (async () => {
      await baseline.ro.setImage(NAME, 'example.invalid/web:2');
      const h2 = (await baseline.rec.whenRollout((r) => r.status?.currentPodHash !== h1)).status
        ?.currentPodHash as string;
      return settled(baseline, h1, h2);
    })();

    const s = faulted;
    const h2 = await updateAndKillBeforeStatus(cluster, s, NAME, h1, 'example.invalid/web:2');
    kills.push('new ReplicaSet created, status not written');

    const measuring = (suffix: string) => async () => {
      const run = await s.rec.whenRun(
        (r) =>
          r.metadata.name === `${NAME}-${h2}-${suffix}` &&
          (r.status?.metricResults?.[0]?.measurements?.length ?? 0) >= 1,
        () => s.ctl.kill(),
      );
      kills.push(
        `${suffix} run ${run.status?.phase} with ${run.status?.metricResults?.[0]?.measurements?.length} measurement(s)`,
      );
      await s.ctl.restart();
    };
    for (const stage of BLUE_GREEN_STAGES.slice(1)) {
      const at = await s.rec.whenRollout(stageAtLeast(h2, stage), () => s.ctl.kill());
      kills.push(blueGreenStage(at.status ?? {}));
      await s.ctl.restart();
      if (stage === 'pre-analysis') await measuring('pre')();
      if (stage === 'post-analysis') await measuring('post')();
    }
    const [end, base] = await Promise.all([settled(faulted, h1, h2), uninterrupted]);

    await recorded('blue-green SIGKILL', `killed ${kills.length} times, at every stage`, async () => {
      const fs = end.status ?? {};
      const bs = base.status ?? {};
      expect(fs.stableRS).toBe(bs.stableRS);
      expect(fs.currentPodHash).toBe(bs.currentPodHash);
      expect(fs.blueGreen?.activeSelector).toBe(bs.blueGreen?.activeSelector);
      expect(fs.blueGreen?.previewSelector).toBe(bs.blueGreen?.previewSelector);
      for (const svc of ['web-active', 'web-preview']) {
        expect(await faulted.ro.selector(svc)).toBe(await baseline.ro.selector(svc));
      }
      // ReplicaSet status trails its spec (kube-controller-manager counts the pods going away).
      await eventually(async () => {
        expect(await faulted.ro.scale(NAME)).toEqual(await baseline.ro.scale(NAME));
      }, 60_000);
      for (const x of [faulted, baseline]) {
        const stages = x.rec.stages(NAME, h2);
        expect(inOrder(stages, BLUE_GREEN_STAGES), stages.join(' → ')).toBe(true);
        expect(stages).toEqual(expect.arrayContaining(['pre-analysis', 'post-analysis', 'promoted']));
        expect(x.rec.runNames()).toEqual([`${NAME}-${h2}-post`, `${NAME}-${h2}-pre`]);
        expect(x.rec.recreatedRuns()).toEqual([]);
        expect((await x.ro.runs(NAME)).map((r) => r.status?.phase)).toEqual(['Successful', 'Successful']);
      }
      return `kills: ${kills.join('; ')}. Same stableRS ${h2}, selectors, ReplicaSets; stages ${faulted.rec.stages(NAME, h2).join(' → ')}; pre and post runs created once each; restart to caches synced median ${seconds(median(faulted.ctl.restartMs.slice(1)))}`;
    });
  }, 600_000);
});
