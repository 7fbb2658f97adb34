// Notifications end to end. An Application applies a canary Rollout from a real git server; a
// push of a bad version fails its Prometheus-backed analysis and the Rollout aborts. Alerts
// send that abort to a generic-hmac webhook (signature checked), Slack's webhook JSON, Debian's
// Alertmanager, and a commit status on the pushed commit. GitHub's and GitLab's services cannot
// be reached from here: the commit status goes to a loopback server that implements their
// documented REST endpoints and refuses anything else. The webhook answers 500 at first; the
// controller is SIGKILLed before it can deliver and a new one delivers it exactly once.

import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { gitRepositoryResource } from '../../controller/api/git-repository.ts';
import {
  type Alert,
  alertResource,
  type Provider,
  providerResource,
} from '../../controller/api/notification.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { canaryRolloutYaml, startErrorRateAnalysis } from '../support/error-rate-canary.ts';
import { type GitServers, type ServedRepo, startGitServers, type WorkTree } from '../support/git/index.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';
import { type Alertmanager, startAlertmanager } from '../support/notifications/alertmanager.ts';
import {
  type CommitStatusServer,
  startCommitStatusServer,
} from '../support/notifications/commit-status-server.ts';
import { type HttpRecorder, type Received, startReceiver } from '../support/notifications/receiver.ts';
import { RolloutDriver } from '../support/rollouts.ts';

const cluster = testCluster();
const SLOW = 400_000;
const HMAC_KEY = 'hmac-key-for-the-hook';
const GITHUB_TOKEN = 'ghp_loopback_token';
let ns: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: ControllerProcess;
let stopAnalysis: (() => Promise<void>) | undefined;
let hook: HttpRecorder & { answer: number };
let slack: HttpRecorder & { answer: number };
let commits: CommitStatusServer;
let alertmanager: Alertmanager;
let ro: RolloutDriver;

const startCtl = () =>
  startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/cache`],
    env: { PATH: `${cluster.binDir}:${process.env.PATH}` },
  });

function provider(name: string, spec: Provider['spec']): Provider {
  return { apiVersion: 'sluice.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: ns }, spec };
}

function alert(name: string, spec: Partial<Alert['spec']> & { providerRef: { name: string } }): Alert {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Alert',
    metadata: { name, namespace: ns },
    spec: { eventSources: [{ kind: 'Rollout', name: '*' }], ...spec },
  };
}

async function waitCondition(
  rt: typeof providerResource | typeof alertResource,
  name: string,
  check: (c: { status: string; reason: string; message: string } | undefined) => void,
) {
  return eventually(async () => {
    const obj = await cluster.api.get<Provider | Alert>(rt, ns, name);
    const ready = condition(obj, 'Ready');
    check(ready);
    return obj;
  }, 60_000);
}

/** What the controllers logged about one Alert's deliveries, for a failure message. */
function laneLog(controllers: ControllerProcess[], alertName: string): string {
  const lines = controllers.flatMap((c) => c.logs.filter((l) => l.alert === `${ns}/${alertName}`));
  return JSON.stringify(
    lines.map(({ msg, reason, failure, attempt, events }) => ({ msg, reason, failure, attempt, events })),
  );
}

const isAbort = (r: Received) => r.method === 'POST' && r.body.includes('Rollout aborted');

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'notifications');
  ro = new RolloutDriver(cluster, ns);
  hook = await startReceiver();
  slack = await startReceiver();
  commits = await startCommitStatusServer(GITHUB_TOKEN);
  alertmanager = await startAlertmanager();
  stopAnalysis = await startErrorRateAnalysis(cluster, ns, {
    count: 3,
    failureLimit: 1,
    consecutiveErrorLimit: 1,
  });
  git = await startGitServers();
  repo = await git.createRepo('acme/shop.git');
  work = await git.workTree(repo);
  await work.commitAndPush(
    { 'deploy/rollout.yaml': canaryRolloutYaml('good', '1') },
    'v1',
    repo.remote('git'),
  );
  await createSecret(cluster.api, ns, 'hook', { token: HMAC_KEY });
  await createSecret(cluster.api, ns, 'github', { token: GITHUB_TOKEN });
  // A Slack webhook URL is itself a credential: it lives in the Secret, never in spec.
  await createSecret(cluster.api, ns, 'slack', { address: `${slack.url}/services/T0/B0/secret-path` });
  ctl = await startCtl();
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(ns, 'repo', { url: repo.urls.git, interval: '1h' }),
  );
  const app: Application = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: ns },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, path: 'deploy', interval: '1h', prune: true },
  };
  await applyObject(cluster.api, applicationResource, app);
}, SLOW);

afterAll(async () => {
  await ctl?.stop();
  await Promise.all([hook?.stop(), slack?.stop(), commits?.stop(), alertmanager?.stop(), stopAnalysis?.()]);
  await git?.stop();
  if (ns) await deleteNamespace(cluster.api, ns);
});

describe('Provider and Alert', () => {
  it(
    'are Ready when valid, and refuse what cannot work naming the field',
    async () => {
      const refused = (spec: string) =>
        cluster.kubectl(
          ['apply', '-n', ns, '-f', '-'],
          `apiVersion: sluice.dev/v1alpha1\nkind: Provider\nmetadata: {name: refused}\nspec: ${spec}\n`,
        );
      await expect(refused('{type: telegram, address: "https://example.com"}')).rejects.toThrow(
        /spec\.type: Unsupported value: "telegram"/,
      );
      await expect(
        refused('{type: generic, address: "https://example.com", proxy: "http://proxy:3128"}'),
      ).rejects.toThrow(/spec\.proxy is not supported/);

      const providers = [
        provider('hook', { type: 'generic-hmac', address: `${hook.url}/hook`, secretRef: { name: 'hook' } }),
        // GitHub with only the server: the repository comes from the GitRepository URL.
        provider('github', { type: 'github', address: commits.url, secretRef: { name: 'github' } }),
        // GitLab in Flux's form: the project's URL.
        provider('gitlab', {
          type: 'gitlab',
          address: `${commits.url}/acme/shop`,
          secretRef: { name: 'github' },
        }),
        provider('slack', { type: 'slack', channel: '#deploys', secretRef: { name: 'slack' } }),
        provider('alertmanager', { type: 'alertmanager', address: alertmanager.url }),
        provider('no-secret', { type: 'generic', address: hook.url, secretRef: { name: 'missing' } }),
        provider('no-token', { type: 'generic-hmac', address: hook.url, secretRef: { name: 'slack' } }),
      ];
      for (const p of providers) await applyObject(cluster.api, providerResource, p);
      const alerts = [
        // The abort only, signed, to the hook; every error to Alertmanager and the commit.
        alert('hook', {
          providerRef: { name: 'hook' },
          eventSeverity: 'error',
          inclusionList: ['^Rollout aborted'],
        }),
        alert('github', { providerRef: { name: 'github' }, eventSeverity: 'error' }),
        alert('gitlab', {
          providerRef: { name: 'gitlab' },
          eventSeverity: 'error',
          inclusionList: ['^Rollout aborted'],
        }),
        alert('slack', { providerRef: { name: 'slack' }, summary: 'shop in production' }),
        alert('alertmanager', { providerRef: { name: 'alertmanager' }, eventSeverity: 'error' }),
        alert('bad-regex', { providerRef: { name: 'hook' }, exclusionList: ['(a'] }),
        alert('no-provider', { providerRef: { name: 'nowhere' } }),
      ];
      for (const a of alerts) await applyObject(cluster.api, alertResource, a);

      for (const name of ['hook', 'github', 'gitlab', 'slack', 'alertmanager']) {
        await waitCondition(providerResource, name, (c) => expect(c?.status, c?.message).toBe('True'));
        await waitCondition(alertResource, name, (c) => expect(c?.status, c?.message).toBe('True'));
      }
      const stalled = async (
        rt: typeof providerResource | typeof alertResource,
        name: string,
        message: RegExp,
      ) => {
        const obj = await waitCondition(rt, name, (c) => expect(c?.message).toMatch(message));
        expect(condition(obj, 'Stalled')?.status).toBe('True');
      };
      await stalled(providerResource, 'no-secret', /^spec\.secretRef\.name: Secret 'missing' not found/);
      await stalled(providerResource, 'no-token', /^spec\.secretRef: Secret 'slack' has no key token/);
      await stalled(
        alertResource,
        'bad-regex',
        /^spec\.exclusionList\[0\]: invalid regular expression "\(a"/,
      );
      await stalled(alertResource, 'no-provider', /^spec\.providerRef\.name: Provider 'nowhere' not found/);
      // No log line of either controller carries the Slack URL's secret path or a token.
      const text = JSON.stringify(ctl.logs);
      for (const secret of ['secret-path', HMAC_KEY, GITHUB_TOKEN]) expect(text).not.toContain(secret);
    },
    SLOW,
  );

  it(
    'sends an aborted canary to every provider once, across a SIGKILL between the abort and the delivery',
    async () => {
      const v1 = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'));
      hook.answer = 500;
      const badSha = await work.commitAndPush(
        { 'deploy/rollout.yaml': canaryRolloutYaml('bad', '2') },
        'v2: bad',
        repo.remote('git'),
      );
      await cluster.kubectl([
        'annotate',
        '--overwrite',
        '-n',
        ns,
        'gitrepository/repo',
        `sluice.dev/reconcile-requested-at=${Date.now()}`,
      ]);
      const aborted = await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.stableRS).toBe(v1.status?.stableRS);

      // The hook refused the abort; the controller dies before it can try again.
      const refused = await hook.waitFor((r) => isAbort(r) && r.status === 500);
      const killed = ctl;
      await ctl.stop('SIGKILL');
      hook.answer = 200;
      ctl = await startCtl();
      // The new controller found what it owed in the Events, not in anything the old one kept.
      await ctl.waitForLog(
        (l) => l.msg === 'notifications replayed from events' && l.alert === `${ns}/hook`,
        60_000,
      );
      const delivered = await hook.waitFor((r) => isAbort(r) && r.status === 200);
      expect(JSON.parse(delivered.body).message).toBe(JSON.parse(refused.body).message);

      const signature = createHmac('sha256', HMAC_KEY).update(delivered.body).digest('hex');
      expect(delivered.headers['x-signature']).toBe(`sha256=${signature}`);
      const event = JSON.parse(delivered.body);
      expect(event).toMatchObject({
        involvedObject: { kind: 'Rollout', name: 'web', namespace: ns },
        severity: 'error',
        reason: 'RolloutAborted',
        reportingController: 'sluice.dev/controller',
        metadata: { revision: `main@sha1:${badSha}` },
      });
      expect(event.message).toMatch(/metric "error-rate" failed with value \S+/);

      // The restarted controller recorded the delivery; it was the only one.
      await eventually(async () => {
        const a = await cluster.api.get<Alert>(alertResource, ns, 'hook');
        expect(a.status?.delivered?.length).toBeGreaterThan(0);
        expect(hook.received.filter((r) => isAbort(r) && r.status === 200)).toHaveLength(1);
      }, 60_000);
      const metrics = await (await fetch(`${ctl.probeUrl}/metrics`)).text();
      const lines = metrics.split('\n').filter((l) => l.startsWith('sluice_notification'));
      expect(lines).toContain('sluice_notifications_total{type="generic-hmac",result="sent"} 1');
      expect(lines).toContain('sluice_notification_latency_seconds_count{type="generic-hmac"} 1');

      const status = await eventually(async () => {
        const found = commits.statuses.find((s) => s.sha === badSha && s.state === 'failure');
        expect(found, JSON.stringify(commits.statuses)).toBeDefined();
        return found;
      }, 120_000);
      expect(status).toMatchObject({ api: 'github', repo: 'acme/shop', context: 'sluice/shop' });
      expect(status?.description).toMatch(/^canary failed, error-rate = [0-9.]+$/);
      const gitlab = await eventually(async () => {
        const found = commits.statuses.find((s) => s.api === 'gitlab' && s.sha === badSha);
        expect(found, JSON.stringify(commits.statuses)).toBeDefined();
        return found;
      }, 120_000);
      expect(gitlab).toMatchObject({ repo: 'acme/shop', state: 'failed', context: 'sluice/shop' });
      // Every request was one of the documented endpoints, authenticated and well formed.
      expect(commits.received.map((r) => r.status)).toEqual(commits.received.map(() => 201));

      const posted = await slack.waitFor(isAbort);
      expect(posted.path).toBe('/services/T0/B0/secret-path');
      const attachment = JSON.parse(posted.body).attachments[0];
      expect(JSON.parse(posted.body).channel).toBe('#deploys');
      expect(attachment).toMatchObject({ color: 'danger', author_name: `Rollout/${ns}.web` });
      expect(attachment.fields).toContainEqual({
        title: 'summary',
        value: 'shop in production',
        short: false,
      });

      await eventually(async () => {
        const fired = (await alertmanager.alerts()).find(
          (a) => a.labels.alertname === 'SluiceRolloutRolloutAborted',
        );
        expect(fired?.annotations, laneLog([killed, ctl], 'alertmanager')).toMatchObject({
          revision: `main@sha1:${badSha}`,
        });
        expect(fired?.annotations.message).toContain('error-rate');
      }, 60_000);
      // Neither controller logged the Slack URL's secret path, the HMAC key or the token.
      const logged = JSON.stringify([killed.logs, ctl.logs]);
      for (const secret of ['secret-path', HMAC_KEY, GITHUB_TOKEN]) expect(logged).not.toContain(secret);
    },
    SLOW,
  );
});
