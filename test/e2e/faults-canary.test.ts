// A canary Rollout whose controller is SIGKILLed at every step, and once in the middle of a
// reconcile, reaches the same end as the same update run without faults next to it.
//
// One Rollout is killed again at each successive step (rather than one Rollout per step
// index): one controller and a handful of pods at a time is what two shared cores can
// afford, and every kill then also proves the restart before it left a state the next
// step can start from. The uninterrupted run is the same Rollout in a second namespace
// with its own controller, updated at the same time.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rollout, RolloutSpec } from '../../controller/api/rollout.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { eventually, testCluster } from '../support/cluster.ts';
import { recorded, seconds } from '../support/faults.ts';
import {
  type AnalysisBackend,
  median,
  type RolloutSide,
  rolloutSide,
  startAnalysisBackend,
  updateAndKillBeforeStatus,
} from '../support/faults-rollouts.ts';
import { POD_TEMPLATE_HASH_LABEL, template } from '../support/rollouts.ts';
import { installTrafficSplitCrd } from '../support/router-crds.ts';

const cluster = testCluster();
const NAME = 'web';
const INDEFINITE_PAUSE = 5;
const STEPS: NonNullable<NonNullable<RolloutSpec['strategy']['canary']>['steps']> = [
  { setWeight: 25 },
  { pause: { duration: 3 } },
  { setCanaryScale: { replicas: 2 } },
  { analysis: { templates: [{ templateName: 'error-rate' }] } },
  { setWeight: 50 },
  { pause: {} },
  { setWeight: 75 },
];

type Side = RolloutSide;
let backend: AnalysisBackend;
const sides: Side[] = [];

async function side(prefix: string): Promise<Side> {
  const s = await rolloutSide(cluster, prefix, {
    app: NAME,
    services: ['web-stable', 'web-canary'],
    prometheusUrl: backend.prometheus.url,
    count: 5,
  });
  sides.push(s);
  await s.ro.create(NAME, {
    replicas: 4,
    selector: { matchLabels: { app: NAME } },
    template: template(NAME, 'example.invalid/web:1'),
    strategy: {
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: { smi: {} },
        scaleDownDelaySeconds: 2,
        steps: STEPS,
      },
    },
  });
  return s;
}

beforeAll(async () => {
  await installTrafficSplitCrd(cluster);
  backend = await startAnalysisBackend();
}, 300_000);

afterAll(async () => {
  for (const s of sides) await s.remove();
  await backend?.stop();
});

const trafficSplits = {
  group: 'split.smi-spec.io',
  version: 'v1alpha2',
  kind: 'TrafficSplit',
  plural: 'trafficsplits',
  namespaced: true,
};

async function splitWeights(ns: string): Promise<Record<string, number>> {
  const ts = await cluster.api.get<
    KubeObject & { spec: { backends: { service: string; weight: number }[] } }
  >(trafficSplits, ns, NAME);
  return Object.fromEntries(ts.spec.backends.map((b) => [b.service, b.weight]));
}

const healthy = (hash: string) => (r: Rollout) =>
  r.status?.phase === 'Healthy' && r.status.stableRS === hash && r.status.currentPodHash === hash;

/** Promotes the indefinite pause once it is recorded; with `whileDead`, killing first. */
async function promotePause(s: Side, h2: string, whileDead: boolean): Promise<void> {
  await s.rec.whenRollout(
    (r) =>
      r.status?.currentPodHash === h2 &&
      r.status.currentStepIndex === INDEFINITE_PAUSE &&
      (r.status.pauseConditions?.length ?? 0) > 0,
    () => (whileDead ? s.ctl.kill() : undefined),
  );
  await s.ro.promote(NAME);
  if (whileDead) await s.ctl.restart();
}

/**
 * The end of the update once nothing moves any more: promoted, traffic back on stable (one
 * reconcile after the promotion) and the old ReplicaSet scaled down after its delay.
 */
async function settled(s: Side, h1: string, h2: string): Promise<Rollout> {
  await s.rec.whenRollout(
    (r) => healthy(h2)(r) && r.status?.canary?.weights?.canary?.weight === 0,
    () => {},
    240_000,
  );
  await s.rec.whenReplicaSet(
    (r) => r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === h1 && (r.spec.replicas ?? 0) === 0,
    () => {},
    120_000,
  );
  return eventually(async () => {
    const ro = await s.ro.get(NAME);
    const w = ro.status?.canary?.weights;
    expect(await splitWeights(s.ns)).toEqual({
      'web-canary': w?.canary?.weight,
      'web-stable': w?.stable?.weight,
    });
    return ro;
  }, 60_000);
}

describe('canary: controller SIGKILLed at every step', () => {
  it('reaches the same end as an uninterrupted run: same hashes and weights, every step once, no analysis twice', async () => {
    const [faulted, baseline] = await Promise.all([side('faults-canary'), side('faults-canary-base')]);
    if (!faulted || !baseline) throw new Error('no namespaces');
    const v1 = await faulted.rec.whenRollout((r) => r.status?.phase === 'Healthy');
    await baseline.rec.whenRollout((r) => r.status?.phase === 'Healthy');
    const h1 = v1.status?.stableRS as string;
    const kills: string[] = [];

    const uninterrupted = (async () => {
      const s = baseline;
      await s.ro.setImage(NAME, 'example.invalid/web:2');
      const h2 = (await s.rec.whenRollout((r) => r.status?.currentPodHash !== h1)).status
        ?.currentPodHash as string;
      await promotePause(s, h2, false);
      return settled(s, h1, h2);
    })();

    const s = faulted;
    // Mid-reconcile: the new ReplicaSet is created, the status naming it is not written.
    // Status writes are refused meanwhile, so the kill lands in that window every time.
    const h2 = await updateAndKillBeforeStatus(cluster, s, NAME, h1, 'example.invalid/web:2');
    kills.push('new ReplicaSet created, status not written');

    // Every step, and the end of the steps (index = steps.length, not yet promoted).
    for (let i = 0; i <= STEPS.length; i++) {
      // ">=": a step that completes at once may be written before the kill lands.
      const at = await s.rec.whenRollout(
        (r) => r.status?.currentPodHash === h2 && (r.status.currentStepIndex ?? -1) >= i,
        () => s.ctl.kill(),
      );
      const seen = at.status?.currentStepIndex ?? -1;
      kills.push(`step ${seen} (${Object.keys(STEPS[seen] ?? { done: 1 })[0]})`);
      await s.ctl.restart();
      if (STEPS[i]?.analysis) {
        // Once more while the run is measuring.
        const run = await s.rec.whenRun(
          (r) => (r.status?.metricResults?.[0]?.measurements?.length ?? 0) >= 1,
          () => s.ctl.kill(),
        );
        const taken = run.status?.metricResults?.[0]?.measurements?.length;
        kills.push(`analysis run ${run.status?.phase} after ${taken} measurement(s)`);
        await s.ctl.restart();
      }
      if (i === INDEFINITE_PAUSE) {
        await promotePause(s, h2, true);
        kills.push('indefinite pause recorded, then promoted while down');
      }
    }
    const [end, base] = await Promise.all([settled(faulted, h1, h2), uninterrupted]);

    await recorded('canary SIGKILL', `killed ${kills.length} times, at every step`, async () => {
      const bs = base.status ?? {};
      const fs = end.status ?? {};
      expect(fs.phase).toBe('Healthy');
      expect(fs.stableRS).toBe(bs.stableRS);
      expect(fs.currentPodHash).toBe(bs.currentPodHash);
      expect(fs.canary?.weights).toEqual(bs.canary?.weights);
      expect(fs.currentStepIndex).toBe(STEPS.length);
      expect(await splitWeights(faulted.ns)).toEqual(await splitWeights(baseline.ns));
      // ReplicaSet status trails its spec (kube-controller-manager counts the pods going away).
      await eventually(async () => {
        expect(await faulted.ro.scale(NAME)).toEqual(await baseline.ro.scale(NAME));
      }, 60_000);
      const all = Array.from({ length: STEPS.length + 1 }, (_, i) => i);
      expect(faulted.rec.steps(NAME, h2)).toEqual(all);
      expect(baseline.rec.steps(NAME, h2)).toEqual(all);
      expect(faulted.rec.runNames()).toEqual([`${NAME}-${h2}-3`]);
      expect(baseline.rec.runNames()).toEqual([`${NAME}-${h2}-3`]);
      expect(faulted.rec.recreatedRuns()).toEqual([]);
      expect((await faulted.ro.runs(NAME)).map((r) => r.status?.phase)).toEqual(['Successful']);
      const restart = median(faulted.ctl.restartMs.slice(1));
      return `kills: ${kills.join('; ')}. Same stableRS ${h2}, weights, ReplicaSets; steps 0..${STEPS.length} each seen once in order; 1 AnalysisRun, created once; restart to caches synced median ${seconds(restart)}`;
    });
  }, 600_000);
});
