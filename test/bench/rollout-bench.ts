// Issue 4 benchmarks, printed as a table: N Rollouts (default 200) progressing at once on
// one controller. Each is paused at an indefinite pause; all are promoted together and we
// measure, per Rollout, the time from the promote (a status patch, as kubectl does) to the
// next step's weight written in status; plus controller CPU and resident memory.
// Run: npm run bench:rollouts   (BENCH_ROLLOUTS=50 for a quicker run)
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { core } from '../../controller/kube/resources.ts';
import { cpuSeconds, percentile, residentMiB, startBench, table, until } from './harness.ts';

const N = Number(process.env.BENCH_ROLLOUTS ?? 200);
const NS = 'bench-rollouts';

function rollout(i: number, image: string): Rollout {
  const name = `ro-${String(i).padStart(3, '0')}`;
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }] } },
    },
  } as unknown as Rollout;
}

// kwok nodes hold 110 pods each: room for every stable and canary pod at once.
const bench = await startBench([`--watch-namespace=${NS}`, '--concurrency=8'], {
  nodes: Math.ceil((N * 2) / 100) + 1,
});
const rows: [string, string, string][] = [['benchmark', 'result', 'goal']];
try {
  const { api } = bench;
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const pid = bench.ctl.child.pid as number;
  const list = async () => (await api.list<Rollout>(rolloutResource, NS)).items;
  const phase = (r: Rollout) => (r.status as { phase?: string } | undefined)?.phase;
  const step = (r: Rollout) => (r.status as { currentStepIndex?: number } | undefined)?.currentStepIndex;

  const cpu0 = await cpuSeconds(pid);
  let t = performance.now();
  for (let i = 0; i < N; i++) await api.apply(rolloutResource, rollout(i, 'example.invalid/app:v1'));
  await until(
    async () => ((await list()).filter((r) => phase(r) === 'Healthy').length === N ? true : undefined),
    600_000,
    500,
  );
  rows.push([`${N} Rollouts created and Healthy`, `${((performance.now() - t) / 1000).toFixed(1)} s`, '']);

  t = performance.now();
  for (let i = 0; i < N; i++) await api.apply(rolloutResource, rollout(i, 'example.invalid/app:v2'));
  await until(
    async () =>
      (await list()).filter((r) => phase(r) === 'Paused' && step(r) === 1).length === N ? true : undefined,
    600_000,
    500,
  );
  rows.push([
    `${N} updates to the canary pause (50%)`,
    `${((performance.now() - t) / 1000).toFixed(1)} s`,
    '',
  ]);

  // Promote all at once; watch each one's step move on.
  const promotedAt = new Map<string, number>();
  const latencies: number[] = [];
  const names = (await list()).map((r) => r.metadata.name);
  const inf = await Promise.all(
    names.map(async (name) => {
      promotedAt.set(name, performance.now());
      await api.mergePatch(rolloutResource, NS, name, { status: { pauseConditions: null } }, 'status');
    }),
  );
  void inf;
  const pending = new Set(names);
  const deadline = Date.now() + 600_000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const r of await list()) {
      if (pending.has(r.metadata.name) && (step(r) ?? 0) >= 2) {
        latencies.push(performance.now() - (promotedAt.get(r.metadata.name) as number));
        pending.delete(r.metadata.name);
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  rows.push([
    `promote → next weight written, p50 / p95 (${latencies.length} Rollouts at once)`,
    `${percentile(latencies, 50).toFixed(0)} ms / ${percentile(latencies, 95).toFixed(0)} ms`,
    'p95 < 500 ms',
  ]);
  rows.push(['controller CPU, whole run', `${((await cpuSeconds(pid)) - cpu0).toFixed(1)} s`, '']);
  rows.push(['controller resident memory', `${(await residentMiB(pid)).toFixed(0)} MiB`, '< 300 MiB']);
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  await bench.stop();
}
