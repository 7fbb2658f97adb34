// Shared setup for benchmarks: a real control plane, git servers and the controller
// process, as in the end-to-end tests, but driven from a plain script that prints figures.
import { createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { mapLimit } from '../../controller/apps/concurrency.ts';
import { KubeClient } from '../../controller/kube/client.ts';
import { loadKubeConfig } from '../../controller/kube/config.ts';
import { Informer } from '../../controller/kube/informer.ts';
import { ObjectApi } from '../../controller/kube/objects.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { type ControlPlane, startControlPlane } from '../control-plane/control-plane.ts';
import { kubectl } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, startGitServers } from '../support/git/index.ts';

interface Bench {
  cp: ControlPlane;
  api: ObjectApi;
  git: GitServers;
  ctl: ControllerProcess;
  webhookUrl: string;
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

const WEBHOOK_SECRET = 'bench-secret';

/** A control plane as every benchmark starts it. */
export function benchControlPlane(nodes = 3): Promise<ControlPlane> {
  return startControlPlane({ nodes, log: (m) => process.stderr.write(`[control-plane] ${m}\n`) });
}

/**
 * The control plane, git servers and a controller at LOG_LEVEL info. From the environment:
 * SLUICE_CONTROLLER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the controller
 * (see startController); BENCH_LOG_LEVEL=debug with BENCH_LOG_FILE keeps its log lines (sync
 * stage timings) in a file.
 */
export async function startBench(
  controllerArgs: string[] = [],
  opts: { nodes?: number } = {},
): Promise<Bench> {
  const cp = await benchControlPlane(opts.nodes);
  const api = new ObjectApi(new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfig })));
  const git = await startGitServers();
  await api.create(core.namespaces, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'sluice-system' },
  });
  await api.apply(core.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sluice-webhook', namespace: 'sluice-system' },
    data: { generic: Buffer.from(WEBHOOK_SECRET).toString('base64') },
  });
  const ctl = await startController({
    kubeconfig: cp.kubeconfig,
    args: [
      `--cache-dir=${git.rootDir}/cache`,
      '--webhook-secret=sluice-system/sluice-webhook',
      ...controllerArgs,
    ],
    env: {
      PATH: `${cp.binDir}:${process.env.PATH}`,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
  });
  const webhookUrl = await controllerWebhookUrl(ctl);
  return {
    cp,
    api,
    git,
    ctl,
    webhookUrl,
    kubectl: (args, input) => kubectl(cp.binDir, cp.kubeconfig, args, input),
    async stop() {
      await ctl.stop();
      await git.stop();
      await cp.stop();
      if (process.env.BENCH_LOG_FILE) {
        await writeFile(process.env.BENCH_LOG_FILE, ctl.logs.map((l) => JSON.stringify(l)).join('\n'));
      }
    },
  };
}

async function controllerWebhookUrl(ctl: ControllerProcess): Promise<string> {
  const line = await ctl.waitForLog((l) => l.msg === 'webhook receiver listening');
  return String(line.url);
}

export function signedPush(url: string, body: Record<string, unknown>): Promise<Response> {
  const text = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${text}`).digest('hex');
  return fetch(`${url}/hook/generic`, {
    method: 'POST',
    body: text,
    headers: {
      'Content-Type': 'application/json',
      'X-Sluice-Timestamp': ts,
      'X-Sluice-Signature': `sha256=${sig}`,
    },
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function scrape(probeUrl: string, metric: string): Promise<number> {
  const text = await (await fetch(`${probeUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(metric)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * What the controller's V8 says its memory is made of, in MiB, from the default metrics on
 * its probe port: heap used and committed (total), by space, and external memory (Buffers
 * and ArrayBuffers, malloc'd outside the heap). RSS minus committed heap minus external is
 * the rest: the node binary and its code, thread stacks, and what malloc holds for
 * HTTP, TLS and zlib or has not returned to the system.
 */
export async function controllerMemory(probeUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${probeUrl}/metrics`)).text();
  const value = (series: string) => {
    const line = `\nsluice_nodejs_${series} `;
    const at = text.indexOf(line);
    return at < 0 ? Number.NaN : Number.parseFloat(text.slice(at + line.length));
  };
  const mib = (series: string) => value(series) / 2 ** 20;
  const space = (kind: 'used' | 'total', name: string) =>
    mib(`heap_space_size_${kind}_bytes{space="${name}"}`);
  return {
    heapUsedMiB: mib('heap_size_used_bytes'),
    heapTotalMiB: mib('heap_size_total_bytes'),
    externalMiB: mib('external_memory_bytes'),
    oldUsedMiB: space('used', 'old'),
    oldTotalMiB: space('total', 'old'),
    newTotalMiB: space('total', 'new'),
    largeObjectTotalMiB: space('total', 'large_object'),
    // Seconds the main thread has spent in garbage collection so far, what a heap setting costs.
    gcMajorSeconds: value('gc_duration_seconds_sum{kind="major"}'),
    gcMinorSeconds: value('gc_duration_seconds_sum{kind="minor"}'),
  };
}

/** Garbage collection pauses between the first and the last sample, per push. */
export function gcPerPush(samples: ProcessSample[], pushes: number): [string, string, string] {
  // Only some samples were probed (sampleProcess's `peaks`): the first and last that were.
  const probed = samples.filter((s) => 'gcMajorSeconds' in s.extra);
  const spent = (key: string) =>
    ((probed.at(-1)?.extra[key] ?? Number.NaN) - (probed[0]?.extra[key] ?? Number.NaN)) / pushes;
  return [
    '  controller time in garbage collection per push, major / minor',
    `${(spent('gcMajorSeconds') * 1000).toFixed(0)} ms / ${(spent('gcMinorSeconds') * 1000).toFixed(0)} ms`,
    '',
  ];
}

/** The sample with the most resident memory, and one line saying what it was made of. */
export function atPeak(samples: ProcessSample[]): [string, string, string] {
  // The top probed sample: with sampleProcess's `peaks`, within a MiB of the peak.
  const peak = samples
    .filter((s) => Object.keys(s.extra).length > 0)
    .reduce<ProcessSample | undefined>((a, s) => (a && a.rssMiB >= s.rssMiB ? a : s), undefined);
  const m = peak?.extra ?? {};
  const f = (v: number | undefined) => (v ?? Number.NaN).toFixed(0);
  const rest = (peak?.rssMiB ?? 0) - (m.heapTotalMiB ?? 0) - (m.externalMiB ?? 0);
  return [
    `  at that peak (${f(peak?.rssMiB)} MiB, ${f(peak?.at)} s in): what V8 reports`,
    `V8 heap ${f(m.heapUsedMiB)} used / ${f(m.heapTotalMiB)} MiB committed (old ${f(m.oldUsedMiB)} / ${f(m.oldTotalMiB)}, new ${f(m.newTotalMiB)}, large objects ${f(m.largeObjectTotalMiB)}), external ${f(m.externalMiB)} MiB, rest ${f(rest)} MiB`,
    '',
  ];
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export async function until<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms`);
}

export function table(rows: [string, string, string][]): string {
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i] as number)).join('  ')).join('\n');
}

export interface ProcessSample {
  /** Seconds since sampling began. */
  at: number;
  rssMiB: number;
  /** CPU seconds used since sampling began. */
  cpu: number;
  /** What `probe` returned at the same moment. */
  extra: Record<string, number>;
}

/**
 * Samples a process's resident memory and CPU every `intervalMs` until stopped; peak RSS
 * is the largest sample (the kernel's VmHWM would include start-up, before the benchmark).
 * `probe` (a scrape of the controller's /metrics) runs with every sample, or with `peaks`
 * only at a peak a MiB above the last probed, at `mark()` and at `stop()`: a scrape is work
 * the controller does for the benchmark, and at 2 a second it was a tenth of the CPU a push
 * is charged. The V8 figures of the top sample are then within a MiB of its peak.
 */
export function sampleProcess(
  pid: number,
  intervalMs: number,
  probe: () => Promise<Record<string, number>> = async () => ({}),
  probeAt: 'every' | 'peaks' = 'every',
) {
  const samples: ProcessSample[] = [];
  const t0 = performance.now();
  let cpu0: number | undefined;
  let probedPeak = 0;
  const take = async (force: boolean) => {
    const at = (performance.now() - t0) / 1000;
    const [cpu, rssMiB] = await Promise.all([cpuSeconds(pid), residentMiB(pid)]);
    // A peak creeps up by pages: probed again once it has grown by a MiB.
    const probed = force || probeAt === 'every' || rssMiB >= probedPeak + 1;
    if (probed) probedPeak = Math.max(probedPeak, rssMiB);
    const extra = probed ? await probe().catch(() => ({})) : {};
    cpu0 ??= cpu;
    const sample = { at, rssMiB, cpu: cpu - cpu0, extra };
    samples.push(sample);
    return sample;
  };
  const first = take(true).catch(() => undefined);
  const timer = setInterval(() => void take(false).catch(() => undefined), intervalMs);
  return {
    samples,
    ready: first,
    get peakMiB(): number {
      return Math.max(0, ...samples.map((s) => s.rssMiB));
    },
    /** A sample with `probe`, now: where a phase begins. */
    mark(): Promise<ProcessSample> {
      return take(true);
    },
    async stop(): Promise<ProcessSample[]> {
      clearInterval(timer);
      await take(true).catch(() => undefined);
      return samples;
    },
  };
}

/** A watch-backed cache in the benchmark process, to see changes as they happen without polling. */
export async function watchCache<T extends KubeObject>(
  bench: Bench,
  resource: ResourceType,
  namespace: string,
): Promise<Informer<T>> {
  const informer = new Informer<T>(new KubeClient(loadKubeConfig({ kubeconfig: bench.cp.kubeconfig })), {
    resource,
    namespace,
  });
  informer.start();
  await informer.synced;
  return informer;
}

// A fleet of small services in one repository, one directory per app: the shape of a
// platform team's repository that many Applications read.

export const fleetAppName = (i: number) => `app-${String(i).padStart(4, '0')}`;

/** One app's directory: the five objects of a small service, one file each. */
export function fleetAppFiles(i: number, version = 0): Record<string, string> {
  const name = fleetAppName(i);
  const labels = `{app: ${name}}`;
  const dir = `apps/${name}`;
  return {
    [`${dir}/configmap.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: ${labels}\ndata:\n  version: "${version}"\n  settings.yaml: |\n    log-level: info\n    feature-flags: [a, b, c]\n`,
    [`${dir}/serviceaccount.yaml`]: `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  labels: ${labels}\n`,
    [`${dir}/rolebinding.yaml`]: `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ${name}-view\n  labels: ${labels}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n  - kind: ServiceAccount\n    name: ${name}\n`,
    [`${dir}/service.yaml`]: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  labels: ${labels}\nspec:\n  selector: ${labels}\n  ports:\n    - port: 80\n      targetPort: 8080\n`,
    [`${dir}/deployment.yaml`]: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels: ${labels}\nspec:\n  replicas: 0\n  selector:\n    matchLabels: ${labels}\n  template:\n    metadata:\n      labels: ${labels}\n    spec:\n      serviceAccountName: ${name}\n      containers:\n        - name: app\n          image: example.invalid/${name}:v1\n          envFrom:\n            - configMapRef: {name: ${name}}\n`,
  };
}

/** The Application of fleet app `i`, in `namespace`, applying there from GitRepository `source`. */
function fleetApplication(i: number, namespace: string, source: string): Application {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: fleetAppName(i), namespace },
    spec: {
      sourceRef: { kind: 'GitRepository', name: source },
      path: `apps/${fleetAppName(i)}`,
      interval: '10m',
      prune: true,
      targetNamespace: namespace,
    },
  };
}

/** Ready for its current spec, and at `revision` when one is given. */
export function appReadyAt(a: Application, revision?: string): boolean {
  return (
    a.status?.observedGeneration === a.metadata.generation &&
    a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true &&
    (revision === undefined || a.status?.lastAppliedRevision === revision)
  );
}

/**
 * Pushes the fleet's first commit (`apps` directories) to a new repository and creates the
 * GitRepository `name` in `namespace` that reads it; the Applications are the caller's.
 */
export async function createFleet(bench: Bench, apps: number, namespace: string, name: string) {
  const files: Record<string, string> = {};
  for (let i = 0; i < apps; i++) Object.assign(files, fleetAppFiles(i));
  const repo = await bench.git.createRepo(`${name}.git`);
  const work = await bench.git.workTree(repo);
  await work.commitAndPush(files, 'initial', repo.remote('git'));
  await bench.api.apply(gitRepositoryResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: { url: repo.urls.git, interval: '10m' },
  });
  return { files, repo, work };
}

/** Creates the fleet's Applications, `parallel` requests at a time. */
export async function createFleetApplications(
  bench: Bench,
  apps: number,
  namespace: string,
  source: string,
  parallel: number,
): Promise<void> {
  await mapLimit(
    Array.from({ length: apps }, (_, i) => i),
    parallel,
    (i) => bench.api.apply(applicationResource, fleetApplication(i, namespace, source)),
  );
}

type FleetConfigMap = KubeObject & { data?: Record<string, string> };

/**
 * Push `p` of the fleet benchmarks: changes one app's ConfigMap (`version: p`), announces it
 * through the generic webhook and measures from that call to the ConfigMap's watch event
 * with the new data (`toObject`) and to every Application Ready at the new revision (`toAll`).
 * `configMaps` is a watch cache of the fleet's namespace; `beforeWebhook` runs just before
 * the call (to read the controller's CPU).
 */
export function fleetPusher(
  bench: Bench,
  fleet: Awaited<ReturnType<typeof createFleet>>,
  apps: Informer<Application>,
  configMaps: Informer<FleetConfigMap>,
  appCount: number,
) {
  // One listener for every push: the ConfigMap a push waits for, and who to tell.
  let awaited: { name: string; version: string; resolve: (at: number) => void } | undefined;
  const check = (cm: FleetConfigMap) => {
    if (cm.metadata.name === awaited?.name && cm.data?.version === awaited.version)
      awaited.resolve(performance.now());
  };
  configMaps.on('add', check);
  configMaps.on('update', check);
  return async (p: number, beforeWebhook: () => Promise<void> = async () => undefined) => {
    const name = fleetAppName((p * 337) % appCount);
    const files = fleetAppFiles((p * 337) % appCount, p);
    const sha = await fleet.work.commitAndPush(files, `push ${p}: ${name}`, fleet.repo.remote('git'));
    const changed = new Promise<number>((resolve) => {
      awaited = { name, version: String(p), resolve };
    });
    await beforeWebhook();
    const started = performance.now();
    const res = await signedPush(bench.webhookUrl, { url: fleet.repo.urls.http, ref: 'refs/heads/main' });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    const toObject = (await changed) - started;
    const revision = `main@sha1:${sha}`;
    await until(
      async () => (apps.list().every((a) => appReadyAt(a, revision)) ? true : undefined),
      600_000,
      20,
    );
    return { toObject, toAll: performance.now() - started };
  };
}
