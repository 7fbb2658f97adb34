// Secret values never reach logs, Events, status or metrics.
//
// Every kind of credential the controller handles (git over http with basic auth and a
// bearer token, credentials in the URL, ssh keys, webhook secrets, Prometheus basic and
// bearer auth and a header from a secretKeyRef argument, a Secret applied from git), each
// used rightly and wrongly (git and the analysis server echo what they were sent). Then
// every controller log line, every Event, the status of every GitRepository, Application,
// Rollout and AnalysisRun and the /metrics text are searched for each value, raw and base64.
// The controller on a read-only root filesystem is in security-read-only.test.ts.

import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisRunResource, analysisTemplateResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { rolloutResource } from '../../controller/api/rollout.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { AnalysisRunDriver } from '../support/analysis-runs.ts';
import { type AuthServer, startAuthServer } from '../support/auth-server.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import {
  type GitServers,
  generateEd25519Key,
  type ServedRepo,
  startGitServers,
} from '../support/git/index.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';
import { RolloutDriver, SLOW, template } from '../support/rollouts.ts';

const cluster = testCluster();

// Distinct, greppable values; none is a substring of anything the controller writes by itself.
const SECRET = {
  httpPassword: 'http-pw-6d1f0b93a7',
  wrongPassword: 'wrong-pw-2c8e51f4d0',
  urlWrongPassword: 'url-pw-9b3c7d1e55',
  bearer: 'git-bearer-4e7a19c2b8',
  wrongBearer: 'git-bearer-wrong-0a5d3f7e61',
  webhookGeneric: 'hook-generic-81c0e7d2a9',
  webhookGithub: 'hook-github-5f2b9a0c13',
  webhookGitlab: 'hook-gitlab-c47d10e8b6',
  promBearer: 'prom-bearer-3a9f6c0e27',
  promPassword: 'prom-pw-d18b4e7c90',
  promWrongPassword: 'prom-pw-wrong-70e3b5a1f4',
  apiKey: 'api-key-e5c2907a4b',
  fromGit: 'git-applied-secret-2b7e04d9c6',
} as const;

interface Collected {
  logs: string;
  events: string;
  statuses: string;
  metrics: string;
}

/** The forms a value could leak in: raw, base64, and inside a basic-auth header. */
function forms(secrets: Record<string, string>, basicUsers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(secrets)) {
    out.set(name, value);
    out.set(`${name} (base64)`, Buffer.from(value).toString('base64'));
  }
  for (const [user, password] of Object.entries(basicUsers)) {
    out.set(`${user}:${password} (basic)`, Buffer.from(`${user}:${password}`).toString('base64'));
  }
  return out;
}

function expectNoLeak(collected: Collected, values: Map<string, string>): void {
  const leaks: string[] = [];
  for (const [where, text] of Object.entries(collected)) {
    for (const [name, value] of values) {
      const at = text.indexOf(value);
      if (at >= 0) leaks.push(`${name} in ${where}: …${text.slice(Math.max(0, at - 150), at + 50)}…`);
    }
  }
  expect(leaks).toEqual([]);
}

describe('secret values never reach logs, events, status or metrics', () => {
  let ns: string;
  let git: GitServers;
  let repo: ServedRepo;
  let auth: AuthServer;
  let ctl: ControllerProcess;
  let webhookUrl: string;
  let sshKey: string;
  let otherKey: string;

  const repoStatus = (name: string) =>
    eventually(async () => {
      const r = await cluster.api.get<GitRepository>(gitRepositoryResource, ns, name);
      const ready = condition(r, 'Ready');
      expect(ready?.observedGeneration).toBe(r.metadata.generation);
      expect(['True', 'False']).toContain(ready?.status);
      return ready;
    }, 60_000);

  beforeAll(async () => {
    ns = await createNamespace(cluster.api, 'security');
    git = await startGitServers({ httpPassword: SECRET.httpPassword, httpBearerToken: SECRET.bearer });
    repo = await git.createRepo('app.git');
    const work = await git.workTree(repo);
    await work.commitAndPush(
      {
        'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: "1"}\n',
        'deploy/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: from-git}\nstringData: {value: ${SECRET.fromGit}}\n`,
        // Refused by the API server: a TLS Secret without its key.
        'bad/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: bad-tls}\ntype: kubernetes.io/tls\nstringData: {tls.crt: ${SECRET.fromGit}}\n`,
      },
      'app',
      repo.remote('git'),
    );
    sshKey = git.sshd.clientPrivateKey;
    otherKey = (await generateEd25519Key(join(git.rootDir, 'other_ed25519'), 'other')).privateKey;
    auth = await startAuthServer({
      '/bearer': `Bearer ${SECRET.promBearer}`,
      '/basic': `Basic ${Buffer.from(`analysis:${SECRET.promPassword}`).toString('base64')}`,
    });

    await createSecret(cluster.api, ns, 'sluice-webhook', {
      generic: SECRET.webhookGeneric,
      github: SECRET.webhookGithub,
      gitlab: SECRET.webhookGitlab,
    });
    await createSecret(cluster.api, ns, 'http-basic', { username: 'sluice', password: SECRET.httpPassword });
    await createSecret(cluster.api, ns, 'http-wrong', { username: 'sluice', password: SECRET.wrongPassword });
    await createSecret(cluster.api, ns, 'http-bearer', { bearerToken: SECRET.bearer });
    await createSecret(cluster.api, ns, 'http-bearer-wrong', { bearerToken: SECRET.wrongBearer });
    await createSecret(cluster.api, ns, 'ssh', { identity: sshKey, known_hosts: git.sshd.knownHostsLine });
    await createSecret(cluster.api, ns, 'ssh-other', {
      identity: otherKey,
      known_hosts: git.sshd.knownHostsLine,
    });
    await createSecret(cluster.api, ns, 'prom-bearer', { token: SECRET.promBearer });
    await createSecret(cluster.api, ns, 'prom-basic', {
      username: 'analysis',
      password: SECRET.promPassword,
    });
    await createSecret(cluster.api, ns, 'prom-wrong', {
      username: 'analysis',
      password: SECRET.promWrongPassword,
    });
    await createSecret(cluster.api, ns, 'api', { key: SECRET.apiKey });

    ctl = await startController({
      kubeconfig: cluster.kubeconfig,
      namespace: ns,
      args: [
        `--cache-dir=${join(git.rootDir, 'controller-cache')}`,
        `--webhook-secret=${ns}/sluice-webhook`,
        '--log-level=debug',
      ],
    });
    webhookUrl = String((await ctl.waitForLog((l) => l.msg === 'webhook receiver listening')).url);
  });

  afterAll(async () => {
    await ctl?.stop();
    await Promise.all([git?.stop(), auth?.close()]);
    if (ns) await deleteNamespace(cluster.api, ns);
  });

  it('fetches with each credential, and fails with wrong ones without repeating them', async () => {
    const http = git.http;
    const sources: [string, Partial<GitRepository['spec']> & { url: string }][] = [
      ['http-basic', { url: repo.urls.http, secretRef: { name: 'http-basic' } }],
      ['http-wrong', { url: repo.urls.http, secretRef: { name: 'http-wrong' } }],
      ['http-bearer', { url: repo.urls.http, secretRef: { name: 'http-bearer' } }],
      ['http-bearer-wrong', { url: repo.urls.http, secretRef: { name: 'http-bearer-wrong' } }],
      ['ssh', { url: repo.urls.ssh, secretRef: { name: 'ssh' } }],
      ['ssh-other', { url: repo.urls.ssh, secretRef: { name: 'ssh-other' } }],
      // Credentials in the URL itself: git repeats the URL in its errors.
      [
        'url-creds',
        { url: http.urlWithCredentials('app.git', { username: 'sluice', password: SECRET.httpPassword }) },
      ],
      [
        'url-creds-wrong',
        {
          url: http.urlWithCredentials('app.git', { username: 'sluice', password: SECRET.urlWrongPassword }),
        },
      ],
      ['url-creds-down', { url: `http://sluice:${SECRET.httpPassword}@127.0.0.1:1/app.git`, timeout: '10s' }],
      [
        'url-creds-missing',
        {
          url: http.urlWithCredentials('missing.git', { username: 'sluice', password: SECRET.httpPassword }),
        },
      ],
    ];
    for (const [name, spec] of sources) {
      await applyObject(cluster.api, gitRepositoryResource, gitRepository(ns, name, spec));
    }
    const ready = Object.fromEntries(
      await Promise.all(sources.map(async ([name]) => [name, await repoStatus(name)] as const)),
    );
    for (const name of ['http-basic', 'http-bearer', 'ssh', 'url-creds']) {
      expect(ready[name]?.status, `${name}: ${ready[name]?.message}`).toBe('True');
    }
    for (const name of ['http-wrong', 'http-bearer-wrong', 'ssh-other', 'url-creds-wrong']) {
      expect(ready[name]?.status, name).toBe('False');
      expect(ready[name]?.reason, `${name}: ${ready[name]?.message}`).toBe('AuthenticationFailed');
    }
    expect(ready['url-creds-missing']?.status).toBe('False');
    expect(ready['url-creds-down']?.status).toBe('False');
    // git named the URL in its failure; what reached status has no credentials in it.
    expect(ready['url-creds-wrong']?.message).toMatch(/'http:\/\/(\*\*\*@)?127\.0\.0\.1:\d+\/app\.git\/'/);
  });

  it('applies a Secret from git, and reports one the API server refuses', async () => {
    const app = (name: string, path: string): Application => ({
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: { sourceRef: { kind: 'GitRepository', name: 'http-basic' }, path, interval: '1m', prune: true },
    });
    await applyObject(cluster.api, applicationResource, app('app', 'deploy'));
    await applyObject(cluster.api, applicationResource, app('bad', 'bad'));
    await eventually(async () => {
      const a = await cluster.api.get<Application>(applicationResource, ns, 'app');
      expect(condition(a, 'Ready')?.status, condition(a, 'Ready')?.message).toBe('True');
    }, 60_000);
    const refused = await eventually(async () => {
      const a = await cluster.api.get<Application>(applicationResource, ns, 'bad');
      expect(condition(a, 'Ready')?.status).toBe('False');
      return condition(a, 'Ready');
    }, 60_000);
    expect(refused?.message).toMatch(/bad-tls/);
  });

  it('verifies webhooks with each secret and refuses wrong ones', async () => {
    const body = JSON.stringify({ url: repo.urls.http, ref: 'refs/heads/main' });
    const ts = String(Math.floor(Date.now() / 1000));
    const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');
    const post = (provider: string, headers: Record<string, string>, payload = body) =>
      fetch(`${webhookUrl}/hook/${provider}`, {
        method: 'POST',
        body: payload,
        headers: { 'Content-Type': 'application/json', ...headers },
      }).then((r) => r.status);
    const githubBody = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.urls.http } });
    const gitlabBody = JSON.stringify({ ref: 'refs/heads/main', project: { git_http_url: repo.urls.http } });
    expect(
      await post('generic', {
        'X-Sluice-Timestamp': ts,
        'X-Sluice-Signature': `sha256=${hmac(SECRET.webhookGeneric, `${ts}.${body}`)}`,
      }),
    ).toBe(202);
    expect(
      await post(
        'github',
        {
          'X-GitHub-Event': 'push',
          'X-Hub-Signature-256': `sha256=${hmac(SECRET.webhookGithub, githubBody)}`,
        },
        githubBody,
      ),
    ).toBe(202);
    expect(
      await post(
        'gitlab',
        { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': SECRET.webhookGitlab },
        gitlabBody,
      ),
    ).toBe(202);
    // Wrong: signed with another provider's secret, or the right token sent to another provider.
    expect(
      await post('github', { 'X-Hub-Signature-256': `sha256=${hmac(SECRET.webhookGitlab, body)}` }),
    ).toBe(401);
    expect(await post('gitlab', { 'X-Gitlab-Token': SECRET.webhookGithub })).toBe(401);
    expect(
      await post('generic', { 'X-Sluice-Timestamp': ts, 'X-Sluice-Signature': SECRET.webhookGeneric }),
    ).toBe(401);
    await ctl.waitForLog((l) => l.msg === 'webhook rejected');
  });

  it(
    'measures with Prometheus credentials and a secret header, in a Rollout and in runs of its own',
    async () => {
      const promMetric = (name: string, path: string, authentication: Record<string, unknown>) => ({
        name,
        successCondition: 'result[0] == 1',
        provider: {
          prometheus: {
            address: `${auth.url}${path}`,
            // The argument from a Secret reaches the query (stored as measurement metadata) too.
            query: 'up{key="{{args.api-key}}"}',
            headers: [{ key: 'X-Api-Key', value: '{{args.api-key}}' }],
            authentication,
          },
        },
      });
      await cluster.api.create(analysisTemplateResource, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'authed', namespace: ns },
        spec: {
          args: [{ name: 'api-key', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } }],
          metrics: [
            promMetric('bearer', '/bearer', { bearer: { secretRef: { name: 'prom-bearer' } } }),
            promMetric('basic', '/basic', { basic: { secretRef: { name: 'prom-basic' } } }),
          ],
        },
      });
      const runs = new AnalysisRunDriver(cluster, ns);
      await runs.create('wrong', {
        args: [{ name: 'api-key', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } }],
        metrics: [promMetric('basic', '/basic', { basic: { secretRef: { name: 'prom-wrong' } } })],
      });

      const ro = new RolloutDriver(cluster, ns);
      await ro.create('web', {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: template('web', 'example.invalid/web:1'),
        strategy: {
          canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'authed' }] } }] },
        },
      });
      await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'), SLOW);
      await ro.setImage('web', 'example.invalid/web:2');
      const done = await ro.waitFor(
        'web',
        (r) => {
          expect(r.status?.phase, r.status?.message).toBe('Healthy');
          expect(r.status?.stableRS).toBe(r.status?.currentPodHash);
          expect(r.status?.currentStepIndex).toBe(2);
        },
        SLOW,
      );
      expect(done.status?.abort ?? false).toBe(false);
      const wrong = await runs.finished('wrong', 60_000);
      expect(wrong.status?.phase).toBe('Error');
      // The server echoed the header it got; the controller stored the message without it.
      expect(JSON.stringify(wrong.status)).toMatch(/\[redacted\]/);
      expect(auth.seen.get('/bearer')).toContain(`Bearer ${SECRET.promBearer}`);
    },
    SLOW * 2,
  );

  it('no log line, Event, status or metric holds any of those values', async () => {
    const events = await cluster.api.list<KubeObject>(core.events, ns);
    const statuses = await Promise.all(
      [gitRepositoryResource, applicationResource, rolloutResource, analysisRunResource].map(async (rt) =>
        (await cluster.api.list<KubeObject & { status?: unknown }>(rt, ns)).items.map((o) => ({
          kind: o.kind,
          name: o.metadata.name,
          status: o.status,
        })),
      ),
    );
    const metrics = await (await fetch(`${ctl.probeUrl}/metrics`)).text();
    const collected: Collected = {
      logs: ctl.logs.map((l) => JSON.stringify(l)).join('\n'),
      events: JSON.stringify(events.items),
      statuses: JSON.stringify(statuses),
      metrics,
    };
    // The collection is not empty: the failures above were recorded.
    expect(collected.events).toMatch(/AuthenticationFailed/);
    expect(collected.statuses).toMatch(/Authentication failed for 'http:/);
    expect(collected.logs).toMatch(/webhook rejected/);
    expect(metrics).toMatch(/^sluice_git_fetch_failures_total\{/m);

    const keyLines = [sshKey, otherKey].flatMap((k) =>
      k.split('\n').filter((l) => l.length >= 20 && !/^-----/.test(l)),
    );
    const values = forms(
      { ...SECRET, ...Object.fromEntries(keyLines.map((l, i) => [`ssh key line ${i}`, l])) },
      { sluice: SECRET.httpPassword, analysis: SECRET.promPassword },
    );
    values.set(
      'basic (wrong git password)',
      Buffer.from(`sluice:${SECRET.wrongPassword}`).toString('base64'),
    );
    values.set(
      'basic (wrong prom password)',
      Buffer.from(`analysis:${SECRET.promWrongPassword}`).toString('base64'),
    );
    expectNoLeak(collected, values);
  });
});
