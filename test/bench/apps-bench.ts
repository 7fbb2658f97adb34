// Issue 8 benchmark, printed as a table: N Applications (default 1,000) of 5 objects each
// (ConfigMap, ServiceAccount, RoleBinding, Service, Deployment of 0 replicas), all from
// one GitRepository, one directory per app.
//  1. `kubectl apply --server-side` of the same N × 5 objects, the baseline, on a control
//     plane of its own (see kubectlBaseline);
//  2. every Application created at once, until all are Ready: wall time, controller CPU
//     and peak resident memory (sampled every second), and the ratio to kubectl;
//  3. push to applied through the generic webhook at that scale: sequential pushes that
//     each change one app's ConfigMap, from the webhook call to the ConfigMap's watch event,
//     and to every Application reporting the new revision.
// Run: npm run bench:apps   (BENCH_APPS=100 for a quicker run; BENCH_PUSHES, BENCH_CONCURRENCY)
// The 10,000-app figures: BENCH_APPS=10000 BENCH_PUSHES=0 (half an hour or more; never in CI).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { kubectl } from '../support/cluster.ts';
import { apiRequests, requestsBetween } from './api-requests.ts';
import {
  appReadyAt,
  atPeak,
  benchControlPlane,
  controllerMemory,
  createFleet,
  createFleetApplications,
  fleetAppFiles,
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
const PUSHES = Number(process.env.BENCH_PUSHES ?? 30);
const CONCURRENCY = process.env.BENCH_CONCURRENCY;
/** The goals: 1,000 apps below Flux's 287 MiB; 10,000 within 1 GiB and 1.3× kubectl. */
const LARGE = APPS > 1000;
const NS = 'bench-apps';
const KUBECTL_NS = 'bench-kubectl';

/**
 * The baseline: kubectl, one server-side apply per object, over the same files, on a control
 * plane of its own, started as Sluice's is and stopped before Sluice's starts. Neither run
 * then pays for the other's objects: each Service create scans every allocated ClusterIP
 * (the IPAddress allocator), and kube-controller-manager works through the Deployments of
 * the run before for minutes after it.
 */
async function kubectlBaseline(): Promise<{ ms: number; requests: ReturnType<typeof requestsBetween> }> {
  const cp = await benchControlPlane();
  try {
    const run = (args: string[]) => kubectl(cp.binDir, cp.kubeconfig, args);
    await run(['create', 'namespace', KUBECTL_NS]);
    const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-kubectl-'));
    for (let i = 0; i < APPS; i++) {
      for (const [file, text] of Object.entries(fleetAppFiles(i))) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), text);
      }
    }
    const before = await apiRequests(run);
    const t = performance.now();
    await run(['apply', '--server-side', '-n', KUBECTL_NS, '-R', '-f', dir]);
    const ms = performance.now() - t;
    const requests = requestsBetween(before, await apiRequests(run), APPS);
    await rm(dir, { recursive: true, force: true });
    return { ms, requests };
  } finally {
    await cp.stop();
  }
}

const baseline = await kubectlBaseline();
const kubectlMs = baseline.ms;

// SLUICE_CONTROLLER_NODE_ARGS, BENCH_LOG_LEVEL and BENCH_LOG_FILE: see startBench.
const bench = await startBench(CONCURRENCY ? [`--concurrency=${CONCURRENCY}`] : []);
const rows: [string, string, string][] = [['benchmark', 'result', 'goal']];
try {
  const { api } = bench;
  const pid = bench.ctl.child.pid as number;
  await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const fleet = await createFleet(bench, APPS, NS, 'fleet');
  rows.push([
    `kubectl apply --server-side, ${APPS * 5} objects (its own control plane)`,
    `${(kubectlMs / 1000).toFixed(1)} s`,
    '',
  ]);
  let t: number;

  // 2. Every Application at once, until all are Ready.
  const apps = await watchCache<Application>(bench, applicationResource, NS);
  const sampler = sampleProcess(pid, 1000);
  await sampler.ready;
  const beforeSync = await apiRequests(bench.kubectl);
  t = performance.now();
  // 16 requests at a time, as a client applying a directory of them in parallel would.
  await createFleetApplications(bench, APPS, NS, 'fleet', 16);
  const createdMs = performance.now() - t;
  const readyCount = () => apps.list().filter((a) => appReadyAt(a)).length;
  // Applied is what kubectl's figure measures; Ready also takes each app's health.
  let appliedMs = 0;
  await until(
    async () => {
      if (!appliedMs && apps.list().filter((a) => a.status?.lastAppliedRevision).length === APPS)
        appliedMs = performance.now() - t;
      return readyCount() === APPS ? true : undefined;
    },
    Math.max(900_000, APPS * 200),
    100,
  );
  const syncMs = performance.now() - t;
  const samples = await sampler.stop();
  const afterSync = await apiRequests(bench.kubectl);
  const syncCpu = samples.at(-1)?.cpu ?? 0;
  rows.push([
    `${APPS} Applications × 5 objects, created → all Ready`,
    `${(syncMs / 1000).toFixed(1)} s (creating them took ${(createdMs / 1000).toFixed(1)} s)`,
    LARGE ? '' : '< 60 s',
  ]);
  rows.push(['ratio sluice / kubectl', `${(syncMs / kubectlMs).toFixed(2)}x`, LARGE ? '≤ 1.3x' : '']);
  rows.push([
    '  created → all applied (every Application has a lastAppliedRevision), ratio',
    `${(appliedMs / 1000).toFixed(1)} s, ${(appliedMs / kubectlMs).toFixed(2)}x`,
    '',
  ]);
  // Not only the clients' own: kube-controller-manager's and the bench's own count too.
  for (const [who, { total, summary }] of [
    ['kubectl', baseline.requests],
    ['Sluice', requestsBetween(beforeSync, afterSync, APPS)],
  ] as const) {
    rows.push([
      `API requests per app during ${who}'s run (all clients)`,
      `${total.toFixed(1)}: ${summary}`,
      '',
    ]);
  }
  rows.push(['controller CPU during that', `${syncCpu.toFixed(1)} s`, '']);
  rows.push([
    'controller peak resident memory (1 s samples)',
    `${sampler.peakMiB.toFixed(0)} MiB`,
    LARGE ? '≤ 1024 MiB' : '≤ 200 MiB',
  ]);
  // The controller caches every Application and every object they applied.
  const idleMiB = samples[0]?.rssMiB ?? 0;
  rows.push([
    'resident memory per 1,000 watched objects (peak − before the Applications)',
    `${(((sampler.peakMiB - idleMiB) * 1000) / (APPS * 6)).toFixed(1)} MiB (${APPS * 6} objects, idle ${idleMiB.toFixed(0)} MiB)`,
    '',
  ]);

  // 3. Push to applied at that scale: each push changes one app's ConfigMap.
  const configMaps = await watchCache<KubeObject & { data?: Record<string, string> }>(
    bench,
    core.configMaps,
    NS,
  );
  const push = fleetPusher(bench, fleet, apps, configMaps, APPS);
  const toObject: number[] = [];
  const toAll: number[] = [];
  // With what V8 reports at each new peak: the peak of a long push sequence is here, not at creation.
  const pushSampler = sampleProcess(pid, 1000, () => controllerMemory(bench.ctl.probeUrl), 'peaks');
  for (let p = 1; p <= PUSHES; p++) {
    const took = await push(p);
    toObject.push(took.toObject);
    toAll.push(took.toAll);
  }
  const pushSamples = await pushSampler.stop();
  if (PUSHES > 0) {
    rows.push([
      `push → changed ConfigMap in cluster, p50 / p95 (${PUSHES} pushes)`,
      `${percentile(toObject, 50).toFixed(0)} ms / ${percentile(toObject, 95).toFixed(0)} ms`,
      '',
    ]);
    rows.push([
      `push → all ${APPS} Applications at the new revision, p50 / p95`,
      `${(percentile(toAll, 50) / 1000).toFixed(1)} s / ${(percentile(toAll, 95) / 1000).toFixed(1)} s`,
      '',
    ]);
    rows.push([
      'controller CPU per push (all apps re-reconciled)',
      `${((pushSamples.at(-1)?.cpu ?? 0) / PUSHES).toFixed(2)} s`,
      '',
    ]);
  }
  rows.push([
    'controller peak resident memory, whole run',
    `${Math.max(sampler.peakMiB, pushSampler.peakMiB).toFixed(0)} MiB`,
    '',
  ]);
  if (PUSHES > 0) rows.push(atPeak(pushSamples), gcPerPush(pushSamples, PUSHES));
  // What the controller wrote besides the objects: Events by reason, a load on the API
  // server that grows with the number of Applications.
  const reasons = new Map<string, number>();
  for (const e of (await api.list(core.events, NS)).items as { reason?: string }[]) {
    reasons.set(e.reason ?? '', (reasons.get(e.reason ?? '') ?? 0) + 1);
  }
  rows.push([
    'Events in the namespace, by reason',
    [...reasons.entries()].map(([r, n]) => `${r} ${n}`).join(', '),
    '',
  ]);
  apps.stop();
  configMaps.stop();
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  await bench.stop();
}
