// Every panel query of every dashboard under manifests/dashboards/, run against Debian's real
// Prometheus scraping a controller that has just synced an Application after a push webhook and
// taken a canary Rollout through an analysis step to promotion: each query must parse and
// return data (at least one sample that is a number).

import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTemplateResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import {
  type Alert,
  alertResource,
  type Provider,
  providerResource,
} from '../../controller/api/notification.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { loadDashboards, panelQueries, substitute } from '../support/dashboards.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';
import { type MetricsApp, startMetricsApp } from '../support/metrics-app/metrics-app.ts';
import { type HttpRecorder, startReceiver } from '../support/notifications/receiver.ts';
import { type PrometheusServer, startPrometheus } from '../support/prometheus/prometheus-server.ts';
import { instantQuery } from '../support/prometheus/query.ts';
import { RolloutDriver } from '../support/rollouts.ts';

const cluster = testCluster();
const SLOW = 240_000;
const WEBHOOK_SECRET = 'dashboards-hook-secret';
let ns: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: ControllerProcess;
let webhookUrl: string;
let app: MetricsApp;
let prometheus: PrometheusServer;
let ro: RolloutDriver;
let receiver: HttpRecorder;

const configMap = (color: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: "${color}"\n`;

async function waitApplied(sha: string): Promise<void> {
  await eventually(async () => {
    const a = await cluster.api.get<Application>(applicationResource, ns, 'site');
    expect(a.status?.lastAppliedRevision, condition(a, 'Ready')?.message).toBe(`main@sha1:${sha}`);
  }, 60_000);
}

/** A commit announced by a signed generic push webhook, as a git host sends it. */
async function pushWithWebhook(color: string): Promise<string> {
  const sha = await work.commitAndPush({ 'site/config.yaml': configMap(color) }, color, repo.remote('git'));
  const body = JSON.stringify({ url: repo.urls.git, ref: 'refs/heads/main' });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${body}`).digest('hex');
  const response = await fetch(`${webhookUrl}/hook/generic`, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Sluice-Timestamp': ts,
      'X-Sluice-Signature': `sha256=${signature}`,
    },
  });
  expect(response.status).toBe(202);
  expect(((await response.json()) as { matched: string[] }).matched).toContain(`${ns}/site`);
  return sha;
}

/** Every event of the namespace goes to a loopback webhook, for the notification panels. */
async function notifyEverything(): Promise<void> {
  receiver = await startReceiver();
  const provider: Provider = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Provider',
    metadata: { name: 'hook', namespace: ns },
    spec: { type: 'generic', address: receiver.url },
  };
  await applyObject(cluster.api, providerResource, provider);
  const alert: Alert = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Alert',
    metadata: { name: 'everything', namespace: ns },
    spec: { providerRef: { name: 'hook' }, eventSources: [{ kind: '*', name: '*' }] },
  };
  await applyObject(cluster.api, alertResource, alert);
}

async function createApplication(): Promise<void> {
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(ns, 'site', { url: repo.urls.git, interval: '10m' }),
  );
  const application: Application = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'site', namespace: ns },
    spec: { sourceRef: { kind: 'GitRepository', name: 'site' }, path: 'site', interval: '10m', prune: true },
  };
  await applyObject(cluster.api, applicationResource, application);
  await waitApplied(await work.head());
}

function version(tag: string): NonNullable<Rollout['spec']['template']> {
  return {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: `example.invalid/web:${tag}` }] },
  };
}

async function rollOut(): Promise<void> {
  await ro.create('web', {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: version('1'),
    strategy: {
      canary: {
        steps: [
          { setWeight: 50 },
          {
            analysis: {
              templates: [{ templateName: 'error-rate' }],
              args: [{ name: 'prometheus', value: prometheus.url }],
            },
          },
        ],
      },
    },
  });
  const v1 = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'));
  await ro.kubectl([
    'patch',
    'rollout',
    'web',
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { template: version('2') } }),
  ]);
  const promoted = await ro.waitFor('web', (r) => {
    expect(r.status?.phase).toBe('Healthy');
    expect(r.status?.stableRS).not.toBe(v1.status?.stableRS);
  });
  const run = await ro.waitForRun('web', (n) => n.startsWith(`web-${promoted.status?.stableRS}-`));
  expect(run.status?.phase).toBe('Successful');
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'dashboards');
  ro = new RolloutDriver(cluster, ns);
  git = await startGitServers();
  repo = await git.createRepo('site.git');
  work = await git.workTree(repo);
  await work.commitAndPush({ 'site/config.yaml': configMap('blue') }, 'initial', repo.remote('git'));
  await createSecret(cluster.api, ns, 'sluice-webhook', { generic: WEBHOOK_SECRET });
  app = await startMetricsApp({ name: 'web', behaviour: { rps: 20 } });
  ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/controller-cache`, `--webhook-secret=${ns}/sluice-webhook`],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
  });
  webhookUrl = String((await ctl.waitForLog((l) => l.msg === 'webhook receiver listening')).url);
  prometheus = await startPrometheus({
    jobs: [
      { job: 'sluice', targets: [new URL(ctl.probeUrl).host] },
      { job: app.name, targets: [app.target] },
    ],
  });
  await cluster.api.create(analysisTemplateResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'error-rate', namespace: ns },
    spec: {
      args: [{ name: 'prometheus' }],
      metrics: [
        {
          name: 'error-rate',
          interval: '1s',
          count: 2,
          failureLimit: 0,
          successCondition: 'result[0] < 0.05',
          provider: {
            prometheus: {
              address: '{{args.prometheus}}',
              query:
                '(sum(rate(http_requests_total{app="web",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{app="web"}[5s]))',
              timeout: 5,
            },
          },
        },
      ],
    },
  });
  await prometheus.waitForSeries('sum(rate(http_requests_total{app="web"}[5s])) > 0', undefined, 30_000);
  await notifyEverything();
}, SLOW);

afterAll(async () => {
  await ctl?.stop();
  await prometheus?.stop();
  await app?.stop();
  await receiver?.stop();
  await git?.stop();
  if (ns) await deleteNamespace(cluster.api, ns);
});

describe('Grafana dashboards', () => {
  it(
    'every panel query parses and returns data from a controller that synced and rolled out',
    async () => {
      await Promise.all([createApplication(), rollOut()]);
      // Last, so that latencies and ratios over the last minute have something to show. The
      // interval is ten minutes: only the webhook brings this commit in.
      await waitApplied(await pushWithWebhook('green'));
      // What the controller did is in Prometheus, not only in the cluster.
      const seen = [
        'sluice_push_to_applied_seconds_count{job="sluice"} > 0',
        `sluice_application_info{job="sluice", namespace="${ns}", name="site", sync="Synced"}`,
        `sluice_rollout_phase{job="sluice", namespace="${ns}", name="web", phase="Healthy"} == 1`,
        `sluice_rollout_step_index{job="sluice", namespace="${ns}", name="web"} == 2`,
        `sluice_analysis_runs_total{job="sluice", namespace="${ns}", phase="Successful"} > 0`,
        `sluice_analysis_metric_value{job="sluice", namespace="${ns}", metric="error-rate"}`,
        'sluice_notifications_total{job="sluice", type="generic", result="sent"} > 0',
      ];
      for (const query of seen) await prometheus.waitForSeries(query, undefined, 30_000);
      // Two more scrapes, so a rate over series born just now has its two samples.
      await new Promise((resolve) => setTimeout(resolve, 2_500));

      const dashboards = loadDashboards();
      const values: Record<string, string> = {};
      for (const { dashboard } of dashboards) {
        for (const v of dashboard.templating.list)
          if (v.type === 'query') values[v.name] = v.allValue ?? '.*';
      }
      values.namespace = ns;
      const queries = panelQueries(dashboards);
      const failures: string[] = [];
      await Promise.all(
        queries.map(async (q) => {
          const expr = substitute(q.expr, values);
          try {
            const samples = await instantQuery(prometheus.url, expr);
            // NaN is what a quantile or ratio over nothing gives: a gap in Grafana, not data.
            if (samples.every((sample) => Number.isNaN(sample.value)))
              failures.push(
                `${q.file} › ${q.panel} [${q.refId}]: ${samples.length === 0 ? 'no data' : 'only NaN'} from ${expr}`,
              );
          } catch (err) {
            failures.push(`${q.file} › ${q.panel} [${q.refId}]: ${(err as Error).message} in ${expr}`);
          }
        }),
      );
      expect(failures.sort()).toEqual([]);
      expect(queries.length).toBeGreaterThan(40);
    },
    SLOW,
  );
});
