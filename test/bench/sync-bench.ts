// Issue 3 benchmarks, printed as a table:
//  1. push to applied through the webhook, p50/p95 over 20 pushes;
//  2. first sync of one Application of 1,000 objects against `kubectl apply --server-side`
//     of the same files on the same control plane, as a ratio in one run;
//  3. controller CPU per periodic reconcile of those 1,000 unchanged objects.
// Run: npm run bench:sync
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core } from '../../controller/kube/resources.ts';
import {
  cpuSeconds,
  percentile,
  residentMiB,
  scrape,
  signedPush,
  startBench,
  table,
  until,
} from './harness.ts';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 1000);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 20);
const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

function configMap(i: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${String(i).padStart(4, '0')}\n  labels: {bench: "1"}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`;
}

const bench = await startBench();
const rows: [string, string, string][] = [['benchmark', 'result', 'goal']];
try {
  const { api, git } = bench;
  for (const ns of ['bench-push', 'bench-big', 'bench-kubectl']) {
    await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  const repo = await git.createRepo('bench.git');
  const work = await git.workTree(repo);
  const big: Record<string, string> = {};
  for (let i = 0; i < OBJECTS; i++) big[`big/cm-${i}.yaml`] = configMap(i);
  await work.commitAndPush(
    { ...big, 'push/cm.yaml': configMap(0).replace('cm-0000', 'pushed') },
    'initial',
    repo.remote('git'),
  );

  const app = (name: string, namespace: string, path: string, interval: string): Application => ({
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'bench' },
      path,
      interval,
      prune: true,
      targetNamespace: namespace,
    },
  });
  for (const ns of ['bench-push', 'bench-big']) {
    await api.apply(gitRepositoryResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'GitRepository',
      metadata: { name: 'bench', namespace: ns },
      spec: { url: repo.urls.git, interval: '10m' },
    });
  }

  // 1. Push to applied.
  await api.apply(applicationResource, app('push', 'bench-push', 'push', '10m'));
  await until(
    async () => (await api.getOrUndefined(configMaps, 'bench-push', 'pushed')) ?? undefined,
    60_000,
  );
  const latencies: number[] = [];
  for (let i = 1; i <= PUSHES; i++) {
    await work.commitAndPush(
      { 'push/cm.yaml': configMap(i).replace(/cm-\d{4}/, 'pushed') },
      `push ${i}`,
      repo.remote('git'),
    );
    const started = performance.now();
    const res = await signedPush(bench.webhookUrl, { url: repo.urls.http, ref: 'refs/heads/main' });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    await until(
      async () => {
        const cm = await api.getOrUndefined<{ metadata: { name: string }; data?: Record<string, string> }>(
          configMaps,
          'bench-push',
          'pushed',
        );
        return cm?.data?.index === String(i) ? true : undefined;
      },
      60_000,
      10,
    );
    latencies.push(performance.now() - started);
  }
  rows.push([
    `push to applied, p50 (${PUSHES} pushes)`,
    `${percentile(latencies, 50).toFixed(0)} ms`,
    '< 1000 ms',
  ]);
  rows.push([`push to applied, p95 (${PUSHES} pushes)`, `${percentile(latencies, 95).toFixed(0)} ms`, '']);

  // Idle CPU of the controller, subtracted from the periodic-reconcile figure below.
  const idle0 = await cpuSeconds(bench.ctl.child.pid as number);
  await new Promise((r) => setTimeout(r, 10_000));
  const idlePerSecond = ((await cpuSeconds(bench.ctl.child.pid as number)) - idle0) / 10;

  // 2. 1,000 objects: kubectl apply --server-side of the same files, then the Application.
  const dir = join(git.rootDir, 'kubectl-files');
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(big)) await writeFile(join(dir, file.replace('big/', '')), text);
  let t = performance.now();
  await bench.kubectl(['apply', '--server-side', '-n', 'bench-kubectl', '-f', dir]);
  const kubectlMs = performance.now() - t;

  const cpuBefore = await cpuSeconds(bench.ctl.child.pid as number);
  t = performance.now();
  await api.apply(applicationResource, app('big', 'bench-big', 'big', '2s'));
  await until(
    async () => {
      const a = await api.get<Application>(applicationResource, 'bench-big', 'big');
      return a.status?.lastAppliedRevision &&
        a.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined;
    },
    300_000,
    50,
  );
  const sluiceMs = performance.now() - t;
  const syncCpu = (await cpuSeconds(bench.ctl.child.pid as number)) - cpuBefore;
  rows.push([`kubectl apply --server-side, ${OBJECTS} objects`, `${(kubectlMs / 1000).toFixed(2)} s`, '']);
  rows.push([
    `Application first sync, ${OBJECTS} objects`,
    `${(sluiceMs / 1000).toFixed(2)} s (CPU ${syncCpu.toFixed(2)} s)`,
    '',
  ]);
  rows.push(['ratio sluice / kubectl', `${(sluiceMs / kubectlMs).toFixed(2)}x`, '<= 1.5x']);

  // 3. Periodic reconciles of the unchanged 1,000 objects (interval 2s): CPU per reconcile.
  await new Promise((r) => setTimeout(r, 5_000));
  const count = () =>
    scrape(bench.ctl.probeUrl, 'sluice_reconcile_duration_seconds_count{kind="Application"');
  const seconds = () =>
    scrape(bench.ctl.probeUrl, 'sluice_reconcile_duration_seconds_sum{kind="Application"');
  const n0 = await count();
  const s0 = await seconds();
  const c0 = await cpuSeconds(bench.ctl.child.pid as number);
  await new Promise((r) => setTimeout(r, 20_000));
  const reconciles = Math.max(1, (await count()) - n0);
  const wall = (await seconds()) - s0;
  const cpu = (await cpuSeconds(bench.ctl.child.pid as number)) - c0 - idlePerSecond * 20;
  rows.push([
    `periodic reconcile of ${OBJECTS} unchanged objects`,
    `${((Math.max(0, cpu) * 1000) / reconciles).toFixed(1)} ms CPU, ${((wall * 1000) / reconciles).toFixed(1)} ms wall each (${reconciles} reconciles; idle ${(idlePerSecond * 1000).toFixed(0)} ms/s subtracted)`,
    '< 50 ms',
  ]);
  rows.push([
    'controller resident memory',
    `${(await residentMiB(bench.ctl.child.pid as number)).toFixed(0)} MiB`,
    '',
  ]);
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  await bench.stop();
}
