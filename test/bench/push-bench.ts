// Issue 19 benchmark, printed as a table: push to applied at N Applications (default 1,000)
// sharing one repository, one directory per app (5 objects each). Each push changes one
// app's ConfigMap and is announced through the generic webhook; for each it measures
//  - push → the changed app applied (its ConfigMap's watch event with the new data);
//  - push → all N Applications Ready at the new revision;
//  - controller CPU (from /proc/<pid>/stat) from the webhook call until the next push;
//  - the controller's peak resident memory, from the first Application created to the last push.
// The machine's load average is printed beside each figure: the machine is shared.
// Run: npm run bench:push   (BENCH_APPS=100 for a quicker run; BENCH_PUSHES)
import { readFile } from 'node:fs/promises';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { apiRequests, requestsBetween } from './api-requests.ts';
import {
  appReadyAt,
  atPeak,
  controllerMemory,
  cpuSeconds,
  createFleet,
  createFleetApplications,
  fleetPusher,
  gcPerPush,
  percentile,
  sampleProcess,
  startBench,
  table,
  until,
  watchCache,
} from './harness.ts';

const APPS = Number(process.env.BENCH_APPS ?? 1000);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 12);
const NS = 'bench-push';

type ConfigMap = KubeObject & { data?: Record<string, string> };
const loadAverage = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

// SLUICE_CONTROLLER_NODE_ARGS, BENCH_LOG_LEVEL and BENCH_LOG_FILE: see startBench.
const bench = await startBench();
const rows: [string, string, string][] = [['benchmark', 'result', 'goal']];
try {
  const pid = bench.ctl.child.pid as number;
  await bench.api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const fleet = await createFleet(bench, APPS, NS, 'fleet');
  const apps = await watchCache<Application>(bench, applicationResource, NS);
  const configMaps = await watchCache<ConfigMap>(bench, core.configMaps, NS);
  const memory = sampleProcess(pid, 500, () => controllerMemory(bench.ctl.probeUrl), 'peaks');
  const t = performance.now();
  await createFleetApplications(bench, APPS, NS, 'fleet', 16);
  await until(
    async () => (apps.list().filter((a) => appReadyAt(a)).length === APPS ? true : undefined),
    900_000,
    100,
  );
  rows.push([
    `${APPS} Applications created → all Ready`,
    `${((performance.now() - t) / 1000).toFixed(1)} s`,
    '',
  ]);
  rows.push(['load average then (1, 5, 15 min)', await loadAverage(), '']);

  const pushesFrom = (await memory.mark()).at;
  const requestsBefore = await apiRequests(bench.kubectl);
  const push = fleetPusher(bench, fleet, apps, configMaps, APPS);
  const toApplied: number[] = [];
  const toAll: number[] = [];
  const cpu: number[] = [];
  const loads: string[] = [];
  for (let p = 1; p <= PUSHES; p++) {
    let cpu0 = 0;
    const took = await push(p, async () => {
      cpu0 = await cpuSeconds(pid);
    });
    toApplied.push(took.toObject);
    toAll.push(took.toAll);
    // What the push set going (events, health, status watch events) is counted too.
    await new Promise((r) => setTimeout(r, 1000));
    cpu.push((await cpuSeconds(pid)) - cpu0);
    loads.push(await loadAverage());
  }
  const requests = requestsBetween(requestsBefore, await apiRequests(bench.kubectl), PUSHES, 6);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  rows.push([
    `push → changed app applied, p50 / p95 / max (${PUSHES} pushes)`,
    `${ms(percentile(toApplied, 50))} / ${ms(percentile(toApplied, 95))} / ${ms(Math.max(...toApplied))}`,
    'p50 < 1 s, p95 < 2 s',
  ]);
  rows.push(['  each push, in order', toApplied.map((v) => v.toFixed(0)).join(' '), '']);
  rows.push([
    `push → all ${APPS} Applications at the new revision, p50 / max`,
    `${(percentile(toAll, 50) / 1000).toFixed(2)} s / ${(Math.max(...toAll) / 1000).toFixed(2)} s`,
    '< 10 s',
  ]);
  rows.push([
    'controller CPU per push, p50 / max',
    `${percentile(cpu, 50).toFixed(2)} s / ${Math.max(...cpu).toFixed(2)} s`,
    '< 1 s',
  ]);
  rows.push([
    'API requests per push, all clients (watches not counted)',
    `${requests.total.toFixed(0)}: ${requests.summary}`,
    '',
  ]);
  await memory.stop();
  const pushPeak = Math.max(0, ...memory.samples.filter((s) => s.at >= pushesFrom).map((s) => s.rssMiB));
  rows.push([
    `controller peak RSS (${APPS} Applications × 5 objects): whole run / pushes`,
    `${memory.peakMiB.toFixed(0)} MiB / ${pushPeak.toFixed(0)} MiB`,
    '≤ 200 MiB',
  ]);
  rows.push(atPeak(memory.samples));
  rows.push(
    gcPerPush(
      memory.samples.filter((s) => s.at >= pushesFrom),
      PUSHES,
    ),
  );
  rows.push(['load average during the pushes (first, last)', `${loads[0]} … ${loads.at(-1)}`, '']);
  apps.stop();
  configMaps.stop();
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  await bench.stop();
}
