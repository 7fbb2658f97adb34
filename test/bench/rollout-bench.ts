// Issue 4 benchmarks, printed as a table: N Rollouts (default 200) progressing at once on
// one controller.
//
// Step latency is what a user waits for between "this step is done" and "the next weight is
// set": from the moment a timed pause ends (status.pauseConditions[].startTime + duration,
// the instant the controller itself aims at) to the watch event that shows the next step
// in status. Every Rollout walks 20% → pause → 40% → pause → 60% → pause → 100%, with pause
// lengths spread over a few seconds, so pauses end while the other Rollouts are mid-update:
// 200 Rollouts progressing at once, as the issue asks.
//
// A second figure is the worst case: every Rollout held at an indefinite pause and all
// promoted in the same instant (a status patch each, as kubectl does), measured from each
// promote to its next step in status. It shows the controller's throughput, not a latency a
// single user sees.
//
// Run: npm run bench:rollouts   (BENCH_ROLLOUTS=50 for a quicker run, 1000 for memory at scale)
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { Informer } from '../../controller/kube/informer.ts';
import { core } from '../../controller/kube/resources.ts';
import { cpuSeconds, percentile, residentMiB, sampleProcess, startBench, table, until } from './harness.ts';

const N = Number(process.env.BENCH_ROLLOUTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const NS = 'bench-rollouts';

type Step = Record<string, unknown>;
interface Status {
  phase?: string;
  currentStepIndex?: number;
  pauseConditions?: { reason: string; startTime: string }[];
}

/** _count and _sum of every histogram series, keyed `name|first label value`. */
async function histograms(probeUrl: string): Promise<Map<string, { count: number; sum: number }>> {
  const text = await (await fetch(`${probeUrl}/metrics`)).text();
  const out = new Map<string, { count: number; sum: number }>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)_(count|sum)(?:\{[^=]+="([^"]*)"[^}]*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const key = `${m[1]}|${m[3] ?? ''}`;
    const h = out.get(key) ?? { count: 0, sum: 0 };
    h[m[2] as 'count' | 'sum'] += Number(m[4]);
    out.set(key, h);
  }
  return out;
}

const name = (i: number) => `ro-${String(i).padStart(3, '0')}`;
/** 6–11.7 s, so pause ends spread out instead of arriving together. */
const pauseSeconds = (i: number) => 6 + (i % 20) * 0.3;

function rollout(i: number, image: string, steps: Step[]): Rollout {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: name(i), namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name(i) } },
      template: {
        metadata: { labels: { app: name(i) } },
        spec: { containers: [{ name: 'app', image }] },
      },
      strategy: { canary: { steps } },
    },
  } as unknown as Rollout;
}

const timedSteps = (i: number): Step[] => {
  const pause = { pause: { duration: `${pauseSeconds(i)}s` } };
  return [{ setWeight: 20 }, pause, { setWeight: 40 }, pause, { setWeight: 60 }, pause, { setWeight: 100 }];
};
const heldSteps: Step[] = [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }];

// kwok nodes hold 110 pods each: room for every stable and canary pod at once.
const bench = await startBench([`--watch-namespace=${NS}`, `--concurrency=${CONCURRENCY}`], {
  nodes: Math.ceil((N * 2) / 100) + 1,
});
const rows: [string, string, string][] = [['benchmark', 'result', 'goal']];
const status = (r: Rollout) => (r.status ?? {}) as Status;
try {
  const { api } = bench;
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const pid = bench.ctl.child.pid as number;
  const watcher = new Informer<Rollout>(new KubeClient(loadKubeConfig({ kubeconfig: bench.cp.kubeconfig })), {
    resource: rolloutResource,
    namespace: NS,
  });
  watcher.start();
  await watcher.synced;
  const count = (pred: (s: Status) => boolean) => watcher.list().filter((r) => pred(status(r))).length;
  const waitFor = (pred: (s: Status) => boolean) =>
    until(async () => (count(pred) === N ? true : undefined), 900_000, 200);
  const applyAll = async (image: string, steps: (i: number) => Step[]) => {
    for (let i = 0; i < N; i++) await api.apply(rolloutResource, rollout(i, image, steps(i)));
  };

  const cpu0 = await cpuSeconds(pid);
  const sampler = sampleProcess(pid, 1000);
  await sampler.ready;
  let t = performance.now();
  await applyAll('example.invalid/app:v1', timedSteps);
  await waitFor((s) => s.phase === 'Healthy');
  rows.push([`${N} Rollouts created and Healthy`, `${((performance.now() - t) / 1000).toFixed(1)} s`, '']);

  // Pause ends → next step in status, while all N progress.
  const latencies: number[] = [];
  const late: string[] = [];
  watcher.on('update', (obj, old) => {
    const seen = Date.now();
    const before = status(old ?? obj);
    const after = status(obj);
    const pause = before.pauseConditions?.find((c) => c.reason === 'CanaryPauseStep');
    if (!pause || (after.currentStepIndex ?? 0) <= (before.currentStepIndex ?? 0)) return;
    const i = Number(obj.metadata.name.slice(3));
    const latency = seen - (Date.parse(pause.startTime) + pauseSeconds(i) * 1000);
    latencies.push(latency);
    if (latency > 500) late.push(`${obj.metadata.name}@${before.currentStepIndex}:${latency}`);
  });
  t = performance.now();
  const cpu1 = await cpuSeconds(pid);
  const m1 = await histograms(bench.ctl.probeUrl);
  await applyAll('example.invalid/app:v2', timedSteps);
  await waitFor((s) => s.phase === 'Healthy' && s.currentStepIndex === 7);
  const progressCpu = (await cpuSeconds(pid)) - cpu1;
  const m2 = await histograms(bench.ctl.probeUrl);
  rows.push([
    `${N} updates through 3 timed pauses to 100%`,
    `${((performance.now() - t) / 1000).toFixed(1)} s, controller CPU ${progressCpu.toFixed(1)} s`,
    '',
  ]);
  rows.push([
    `pause end → next step in status, p50 / p95 / max (${latencies.length} steps)`,
    `${percentile(latencies, 50).toFixed(0)} ms / ${percentile(latencies, 95).toFixed(0)} ms / ${Math.max(...latencies).toFixed(0)} ms`,
    'p95 < 500 ms',
  ]);
  if (process.env.BENCH_VERBOSE) process.stderr.write(`late steps: ${late.join(' ')}\n`);
  // Where the time goes, for the same phase: the controller's own metrics.
  const delta = (name: string, label = '') => {
    const [a, b] = [m1.get(`${name}|${label}`), m2.get(`${name}|${label}`)];
    return { count: (b?.count ?? 0) - (a?.count ?? 0), sum: (b?.sum ?? 0) - (a?.sum ?? 0) };
  };
  const mean = (h: { count: number; sum: number }) =>
    `${((h.sum / Math.max(1, h.count)) * 1000).toFixed(1)} ms`;
  const reconciles = delta('sluice_reconcile_duration_seconds', 'Rollout');
  const wait = delta('sluice_workqueue_wait_seconds', 'Rollout');
  rows.push([
    '  Rollout reconciles: count, mean duration, mean queue wait',
    `${reconciles.count}, ${mean(reconciles)}, ${mean(wait)}`,
    '',
  ]);
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
    const h = delta('sluice_kube_request_duration_seconds', method);
    if (h.count > 0) rows.push([`  API ${method} requests: count, mean`, `${h.count}, ${mean(h)}`, '']);
  }

  // The worst case: all promoted in one instant.
  await applyAll('example.invalid/app:v3', () => heldSteps);
  await waitFor((s) => s.phase === 'Paused' && s.currentStepIndex === 1);
  const promotedAt = new Map<string, number>();
  const burst: number[] = [];
  watcher.on('update', (obj, old) => {
    const at = promotedAt.get(obj.metadata.name);
    if (
      at !== undefined &&
      (status(obj).currentStepIndex ?? 0) >= 2 &&
      (status(old ?? obj).currentStepIndex ?? 0) < 2
    ) {
      burst.push(performance.now() - at);
    }
  });
  await Promise.all(
    watcher.list().map(async (r) => {
      promotedAt.set(r.metadata.name, performance.now());
      await api.mergePatch(
        rolloutResource,
        NS,
        r.metadata.name,
        { status: { pauseConditions: null } },
        'status',
      );
    }),
  );
  await waitFor((s) => (s.currentStepIndex ?? 0) >= 2);
  rows.push([
    `${N} promoted in one instant → next step, p50 / p95`,
    `${percentile(burst, 50).toFixed(0)} ms / ${percentile(burst, 95).toFixed(0)} ms`,
    '',
  ]);
  rows.push(['controller CPU, whole run', `${((await cpuSeconds(pid)) - cpu0).toFixed(1)} s`, '']);
  rows.push(['controller resident memory', `${(await residentMiB(pid)).toFixed(0)} MiB`, '< 300 MiB']);
  const samples = await sampler.stop();
  rows.push([
    'controller peak resident memory (1 s samples)',
    `${sampler.peakMiB.toFixed(0)} MiB`,
    // Argo Rollouts measured beside it: about 80 MiB, and 0.13 MiB per Rollout with its ReplicaSets.
    N <= 200 ? '≤ 150 MiB' : `≤ ${(80 + 0.13 * N).toFixed(0)} MiB (Argo Rollouts)`,
  ]);
  // What the controller caches in the namespace: the Rollouts and the kinds they own or route.
  let watched = 0;
  for (const rt of [rolloutResource, core.replicaSets, core.services, core.deployments]) {
    watched += (await api.list(rt, NS)).items.length;
  }
  const idleMiB = samples[0]?.rssMiB ?? 0;
  rows.push([
    'resident memory per 1,000 watched objects (peak − before the Rollouts)',
    `${(((sampler.peakMiB - idleMiB) * 1000) / Math.max(1, watched)).toFixed(1)} MiB (${watched} objects, idle ${idleMiB.toFixed(0)} MiB)`,
    '',
  ]);
  watcher.stop();
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  await bench.stop();
}
