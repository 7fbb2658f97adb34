// The bad-input corpus, webhook channel: forged, replayed, oversized and malformed requests
// to the controller's webhook port. Each gets its HTTP status and is counted and logged; none
// may make the watched GitRepository fetch, which stays one commit behind until a genuine
// push webhook arrives at the end.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { loadCases } from '../support/bad-input.ts';
import { genuinePush, sendWebhook, webhookRequest } from '../support/bad-input-webhook.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const cases = loadCases('webhook');
const SECRET = 'bad-input-webhook-secret';
let ns: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: ControllerProcess;
let webhookUrl: string;
let first: string;
let second: string;

const revision = async () =>
  (await cluster.api.get<GitRepository>(gitRepositoryResource, ns, 'watched')).status?.artifact?.revision;

/** Lines of the controller's log that say a push matched a GitRepository (and so fetched). */
const triggered = () =>
  ctl.logs.filter((l) => l.msg === 'push received' && Array.isArray(l.matched) && l.matched.length > 0);

async function counted(result: string): Promise<number> {
  const text = await (await fetch(`${ctl.probeUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('sluice_webhook_requests_total{') && l.includes(`result="${result}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'bad-input-hook');
  git = await startGitServers();
  repo = await git.createRepo('hooked.git');
  work = await git.workTree(repo);
  first = await work.commitAndPush({ 'a.yaml': 'a: 1\n' }, 'first', repo.remote('git'));
  await createSecret(cluster.api, ns, 'sluice-webhook', { github: SECRET, gitlab: SECRET, generic: SECRET });
  ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/cache`, `--webhook-secret=${ns}/sluice-webhook`],
  });
  webhookUrl = String((await ctl.waitForLog((l) => l.msg === 'webhook receiver listening', 60_000)).url);
  await applyObject(
    cluster.api,
    gitRepositoryResource,
    gitRepository(ns, 'watched', { url: repo.urls.git, interval: '1h', ref: { branch: 'main' } }),
  );
  await eventually(async () => expect(await revision()).toBe(`main@sha1:${first}`), 60_000);
  // A commit the controller does not know about: only a push webhook would fetch it now.
  second = await work.commitAndPush({ 'a.yaml': 'a: 2\n' }, 'second', repo.remote('git'));
});

afterAll(async () => {
  await ctl?.stop();
  await git?.stop();
  if (ns) await deleteNamespace(cluster.api, ns);
});

describe('bad input through the webhook receiver', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const before = await counted(c.expect.metric);
    const request = webhookRequest(c, {
      secret: SECRET,
      watched: repo.urls.git,
      unwatched: 'https://git.example.invalid/other.git',
    });
    const deliveries = c.input.deliveries ?? 1;
    let answer = { status: 0, body: '' };
    for (let i = 0; i < deliveries; i++) {
      answer = await sendWebhook(webhookUrl, request);
      if (i < deliveries - 1 && c.expect.first !== undefined) expect(answer.status).toBe(c.expect.first);
    }
    expect(answer.status, answer.body).toBe(c.expect.http);
    expect(answer.body).toContain(c.expect.body);
    expect(await counted(c.expect.metric)).toBe(before + 1);
    const log = c.expect.log;
    if (log) await ctl.waitForLog((l) => Object.entries(log).every(([k, v]) => l[k] === v));
    expect(triggered()).toEqual([]);
    expect(await revision()).toBe(`main@sha1:${first}`);
  });

  it('none of them fetched; a genuine push then does, at once', async () => {
    expect(triggered()).toEqual([]);
    const ok = genuinePush(SECRET, repo.urls.git);
    const answer = await sendWebhook(webhookUrl, ok);
    expect(answer.status, answer.body).toBe(202);
    await eventually(async () => expect(await revision()).toBe(`main@sha1:${second}`), 30_000);
    expect(triggered()).toHaveLength(1);
    const repoObj = await cluster.api.get<GitRepository>(gitRepositoryResource, ns, 'watched');
    expect(condition(repoObj, 'Ready')?.status).toBe('True');
  });
});
