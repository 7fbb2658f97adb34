// Issue 8 soak, printed as a table: SOAK_MINUTES (default 10) of continuous work on one
// controller, to show that its memory stops growing once warm.
//  - pushes: every few seconds a commit changing the ConfigMaps of a few of SOAK_APPS
//    Applications (one repository, one directory per app), announced by the generic webhook;
//  - rollouts: SOAK_ROLLOUTS canary Rollouts updated in a loop, each update walking
//    25% → 2 s pause → 50% → indefinite pause, promoted by a status patch (as kubectl
//    does), to 100%.
// The controller's RSS, V8 heap (from its /metrics) and CPU are sampled every 10 s. At the
// end: RSS after warm-up (2 min) against the final and the largest sample, and the slope of
// a least-squares line through the samples after warm-up, in MiB per minute.
// Run: npm run bench:soak   (SOAK_MINUTES=3 for a quick look)
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { core } from '../../controller/kube/resources.ts';
import {
  appReadyAt,
  createFleet,
  createFleetApplications,
  fleetAppFiles,
  type ProcessSample,
  sampleProcess,
  scrape,
  signedPush,
  startBench,
  table,
  until,
  watchCache,
} from './harness.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const APPS = Number(process.env.SOAK_APPS ?? 100);
const ROLLOUTS = Number(process.env.SOAK_ROLLOUTS ?? 5);
const PUSH_EVERY_MS = Number(process.env.SOAK_PUSH_EVERY_MS ?? 5_000);
const APPS_PER_PUSH = 3;
const WARM_UP_S = 120;
const SAMPLE_MS = 10_000;
const NS = 'bench-soak';

const rolloutName = (i: number) => `soak-${i}`;

function rollout(i: number, version: number): Rollout {
  const name = rolloutName(i);
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `example.invalid/${name}:v${version}` }] },
      },
      strategy: {
        canary: {
          steps: [{ setWeight: 25 }, { pause: { duration: '2s' } }, { setWeight: 50 }, { pause: {} }],
        },
      },
    },
  } as unknown as Rollout;
}

interface RolloutStatus {
  phase?: string;
  currentStepIndex?: number;
  currentPodHash?: string;
  stableRS?: string;
  pauseConditions?: unknown[];
}

const bench = await startBench([`--watch-namespace=${NS}`], { nodes: 2 });
try {
  const { api } = bench;
  const pid = bench.ctl.child.pid as number;
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const { repo, work } = await createFleet(bench, APPS, NS, 'soak');
  const apps = await watchCache<Application>(bench, applicationResource, NS);
  const rollouts = await watchCache<Rollout>(bench, rolloutResource, NS);
  await createFleetApplications(bench, APPS, NS, 'soak', 8);
  for (let i = 0; i < ROLLOUTS; i++) await api.apply(rolloutResource, rollout(i, 0));
  await until(
    async () => (apps.list().filter((a) => appReadyAt(a)).length === APPS ? true : undefined),
    600_000,
    200,
  );
  const status = (i: number) => (rollouts.get(`${NS}/${rolloutName(i)}`)?.status ?? {}) as RolloutStatus;
  const settled = (i: number) => {
    const s = status(i);
    return s.phase === 'Healthy' && s.currentPodHash !== undefined && s.currentPodHash === s.stableRS;
  };
  await until(
    async () => (Array.from({ length: ROLLOUTS }, (_, i) => settled(i)).every(Boolean) ? true : undefined),
    300_000,
    200,
  );

  const endAt = Date.now() + MINUTES * 60_000;
  const counts = { pushes: 0, pushFailures: 0, rollouts: 0, rolloutFailures: 0 };

  // Pushes: a few apps' ConfigMaps per commit, then the webhook.
  const pushing = (async () => {
    let n = 0;
    while (Date.now() < endAt) {
      const started = Date.now();
      n++;
      const changes: Record<string, string> = {};
      for (let k = 0; k < APPS_PER_PUSH; k++)
        Object.assign(changes, fleetAppFiles((n * 7 + k * 31) % APPS, n));
      try {
        await work.commitAndPush(changes, `soak push ${n}`, repo.remote('git'));
        const res = await signedPush(bench.webhookUrl, { url: repo.urls.http, ref: 'refs/heads/main' });
        if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
        counts.pushes++;
      } catch (err) {
        counts.pushFailures++;
        process.stderr.write(`push ${n} failed: ${(err as Error).message}\n`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, PUSH_EVERY_MS - (Date.now() - started))));
    }
  })();

  // Rollouts: each in its own loop of update → paused → promote → Healthy.
  const rolling = Array.from({ length: ROLLOUTS }, async (_, i) => {
    let version = 0;
    while (Date.now() < endAt) {
      version++;
      try {
        await api.apply(rolloutResource, rollout(i, version));
        await until(
          async () => {
            const s = status(i);
            return s.currentStepIndex === 3 && (s.pauseConditions?.length ?? 0) > 0 ? true : undefined;
          },
          120_000,
          200,
        );
        await api.mergePatch(
          rolloutResource,
          NS,
          rolloutName(i),
          { status: { pauseConditions: null } },
          'status',
        );
        await until(
          async () => (settled(i) && status(i).currentStepIndex === 4 ? true : undefined),
          120_000,
          200,
        );
        counts.rollouts++;
      } catch (err) {
        counts.rolloutFailures++;
        process.stderr.write(`rollout ${rolloutName(i)} v${version}: ${(err as Error).message}\n`);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  });

  // Samples every 10 s, with the V8 heap the controller reports about itself.
  const sampler = sampleProcess(pid, SAMPLE_MS, async () => ({
    heapMiB: (await scrape(bench.ctl.probeUrl, 'sluice_nodejs_heap_size_used_bytes')) / 2 ** 20,
    pushes: counts.pushes,
    rollouts: counts.rollouts,
  }));
  await Promise.all([pushing, ...rolling]);
  const samples = await sampler.stop();

  const rows: [string, string, string][] = [
    ['time', 'RSS / V8 heap used', 'CPU over the last 10 s · pushes · rollouts'],
  ];
  for (const [k, s] of samples.entries()) {
    if (k === 0) continue;
    const prev = samples[k - 1] as ProcessSample;
    const cpuPct = ((s.cpu - prev.cpu) / (s.at - prev.at)) * 100;
    rows.push([
      `${Math.floor(s.at / 60)}m${String(Math.round(s.at % 60)).padStart(2, '0')}s`,
      `${s.rssMiB.toFixed(0)} MiB / ${(s.extra.heapMiB ?? Number.NaN).toFixed(0)} MiB`,
      `${cpuPct.toFixed(0)}% · ${s.extra.pushes ?? '-'} · ${s.extra.rollouts ?? '-'}`,
    ]);
  }
  process.stdout.write(`\n${table(rows)}\n`);

  const warm = samples.filter((s) => s.at >= WARM_UP_S);
  const atWarm = warm[0];
  const last = samples.at(-1) as ProcessSample;
  const summary: [string, string, string][] = [['soak', 'result', 'goal']];
  summary.push([
    'duration',
    `${MINUTES} min: ${counts.pushes} pushes (${counts.pushFailures} failed), ${counts.rollouts} rollouts promoted (${counts.rolloutFailures} failed)`,
    '',
  ]);
  if (atWarm) {
    summary.push([
      'RSS after warm-up (2 min) → final',
      `${atWarm.rssMiB.toFixed(0)} MiB → ${last.rssMiB.toFixed(0)} MiB`,
      '',
    ]);
    summary.push(['RSS max', `${Math.max(...samples.map((s) => s.rssMiB)).toFixed(0)} MiB`, '']);
    summary.push([
      'RSS slope after warm-up',
      `${slopePerMinute(warm, (s) => s.rssMiB).toFixed(2)} MiB/min`,
      '≈ 0',
    ]);
    const heapWarm = warm.filter((s) => Number.isFinite(s.extra.heapMiB));
    // Heap used sampled at any point of a GC cycle swings by tens of MiB; the lowest sample
    // of each two minutes (after a collection) is what stays, and is what must not climb.
    const floors: string[] = [];
    for (let from = WARM_UP_S; from + 120 <= last.at + 1; from += 120) {
      const window = heapWarm.filter((s) => s.at >= from && s.at < from + 120);
      if (window.length > 0)
        floors.push(Math.min(...window.map((s) => s.extra.heapMiB as number)).toFixed(0));
    }
    summary.push(['V8 heap floor per 2 min after warm-up', `${floors.join(' → ')} MiB`, 'flat']);
    summary.push([
      'V8 heap slope after warm-up',
      `${slopePerMinute(heapWarm, (s) => s.extra.heapMiB as number).toFixed(2)} MiB/min`,
      '≈ 0',
    ]);
  }
  summary.push([
    'controller CPU, whole soak',
    `${last.cpu.toFixed(0)} s (${((last.cpu / last.at) * 100).toFixed(0)}% of a core)`,
    '',
  ]);
  process.stdout.write(`\n${table(summary)}\n`);
  apps.stop();
  rollouts.stop();
} finally {
  await bench.stop();
}

/** Least-squares slope of value over time, per minute. */
function slopePerMinute<T extends { at: number }>(points: T[], value: (p: T) => number): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, p) => a + p.at, 0) / n;
  const my = points.reduce((a, p) => a + value(p), 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - mx) * (value(p) - my);
    den += (p.at - mx) ** 2;
  }
  return (num / den) * 60;
}
