// Issue 15 benchmarks, printed as a table:
//  1. render + apply of a chart of ~50 objects by an Application against
//     `helm template … | kubectl apply --server-side` on the same control plane (ratio);
//  2. controller CPU per periodic reconcile of the unchanged chart, and how many times helm
//     ran meanwhile (the render cache should answer: none).
// Run: npm run bench:helm
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { core } from '../../controller/kube/resources.ts';
import { cpuSeconds, scrape, startBench, table, until } from './harness.ts';

const CONFIG_MAPS = Number(process.env.BENCH_CONFIG_MAPS ?? 40);
const WORKLOADS = Number(process.env.BENCH_WORKLOADS ?? 5);
const OBJECTS = CONFIG_MAPS + 2 * WORKLOADS;
const run = promisify(execFile);

/** A chart rendering CONFIG_MAPS ConfigMaps and WORKLOADS Deployments with a Service each. */
const chart: Record<string, string> = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: bench\nversion: 1.0.0\nappVersion: "1.0"\n',
  'chart/values.yaml': `configMaps: ${CONFIG_MAPS}\nworkloads: ${WORKLOADS}\npayload: "${'x'.repeat(200)}"\nimage: example.invalid/bench\n`,
  'chart/templates/_helpers.tpl':
    '{{- define "bench.labels" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end -}}\n',
  'chart/templates/configmaps.yaml': `{{- range $i := until (int .Values.configMaps) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-cm-{{ $i }}
  labels:
    {{- include "bench.labels" $ | nindent 4 }}
data:
  index: {{ $i | quote }}
  payload: {{ $.Values.payload | quote }}
{{- end }}
`,
  'chart/templates/workloads.yaml': `{{- range $i := until (int .Values.workloads) }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $.Release.Name }}-web-{{ $i }}
  labels:
    {{- include "bench.labels" $ | nindent 4 }}
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ $.Release.Name }}-web-{{ $i }}}
  template:
    metadata:
      labels: {app: {{ $.Release.Name }}-web-{{ $i }}}
    spec:
      containers:
        - name: web
          image: {{ $.Values.image }}:{{ $.Chart.AppVersion }}
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $.Release.Name }}-web-{{ $i }}
spec:
  selector: {app: {{ $.Release.Name }}-web-{{ $i }}}
  ports: [{port: 80, targetPort: 8080}]
{{- end }}
`,
};

const bench = await startBench();
const rows: [string, string, string][] = [['benchmark', 'result', 'goal']];
try {
  const { api, git } = bench;
  const helm = join(bench.cp.binDir, 'helm');
  for (const ns of ['bench-helm', 'bench-helm-cli']) {
    await api.create(core.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  const repo = await git.createRepo('helm-bench.git');
  const work = await git.workTree(repo);
  await work.commitAndPush(chart, 'chart', repo.remote('git'));
  await api.apply(gitRepositoryResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'bench', namespace: 'bench-helm' },
    spec: { url: repo.urls.git, interval: '10m' },
  });
  await until(async () => {
    const r = await api.get<GitRepository>(gitRepositoryResource, 'bench-helm', 'bench');
    return r.status?.artifact?.revision ? true : undefined;
  }, 60_000);

  // Idle CPU of the controller, subtracted from the periodic-reconcile figure below.
  const idle0 = await cpuSeconds(bench.ctl.child.pid as number);
  await new Promise((r) => setTimeout(r, 10_000));
  const idlePerSecond = ((await cpuSeconds(bench.ctl.child.pid as number)) - idle0) / 10;

  // 1. helm template | kubectl apply --server-side, then the Application, same chart.
  const dir = await mkdtemp(join(tmpdir(), 'helm-bench-'));
  for (const [file, text] of Object.entries(chart)) {
    const path = join(dir, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  let t = performance.now();
  const { stdout: rendered } = await run(helm, [
    'template',
    'bench',
    join(dir, 'chart'),
    '--namespace',
    'bench-helm-cli',
  ]);
  await bench.kubectl(['apply', '--server-side', '-n', 'bench-helm-cli', '-f', '-'], rendered);
  const cliMs = performance.now() - t;

  const cpuBefore = await cpuSeconds(bench.ctl.child.pid as number);
  t = performance.now();
  const app: Application = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'bench', namespace: 'bench-helm' },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'bench' },
      path: 'chart',
      interval: '2s',
      prune: true,
      targetNamespace: 'bench-helm',
    },
  };
  await api.apply(applicationResource, app);
  await until(
    async () => {
      const a = await api.get<Application>(applicationResource, 'bench-helm', 'bench');
      return a.status?.lastAppliedRevision && a.status.inventory?.entries?.length === OBJECTS
        ? true
        : undefined;
    },
    120_000,
    20,
  );
  const sluiceMs = performance.now() - t;
  const syncCpu = (await cpuSeconds(bench.ctl.child.pid as number)) - cpuBefore;
  rows.push([
    `helm template | kubectl apply --server-side, ${OBJECTS} objects`,
    `${cliMs.toFixed(0)} ms`,
    '',
  ]);
  rows.push([
    `Application render + apply, ${OBJECTS} objects`,
    `${sluiceMs.toFixed(0)} ms (CPU ${(syncCpu * 1000).toFixed(0)} ms)`,
    '',
  ]);
  rows.push(['ratio sluice / helm+kubectl', `${(sluiceMs / cliMs).toFixed(2)}x`, '<= 1.2x']);

  // 2. Periodic reconciles of the unchanged chart (interval 2s): CPU per reconcile, helm runs.
  await new Promise((r) => setTimeout(r, 5_000));
  const count = () =>
    scrape(bench.ctl.probeUrl, 'sluice_reconcile_duration_seconds_count{kind="Application"');
  const helmRuns = () => scrape(bench.ctl.probeUrl, 'sluice_helm_renders_total{cached="false"');
  const n0 = await count();
  const h0 = await helmRuns();
  const c0 = await cpuSeconds(bench.ctl.child.pid as number);
  await new Promise((r) => setTimeout(r, 20_000));
  const reconciles = Math.max(1, (await count()) - n0);
  const cpu = (await cpuSeconds(bench.ctl.child.pid as number)) - c0 - idlePerSecond * 20;
  rows.push([
    `periodic reconcile of the unchanged chart (${OBJECTS} objects)`,
    `${((Math.max(0, cpu) * 1000) / reconciles).toFixed(1)} ms CPU each (${reconciles} reconciles; idle ${(idlePerSecond * 1000).toFixed(0)} ms/s subtracted)`,
    '< 20 ms',
  ]);
  rows.push(['helm template runs during those reconciles', String((await helmRuns()) - h0), '0']);
  process.stdout.write(`\n${table(rows)}\n`);
} finally {
  await bench.stop();
}
