import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { createNamespace, deleteNamespace, eventually, testCluster } from '../support/cluster.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServers, type ServedRepo, startGitServers } from '../support/git/index.ts';
import type { WorkTree } from '../support/git/repos.ts';
import { applyObject, condition, createSecret, gitRepository } from '../support/kinds.ts';

const cluster = testCluster();
const WEBHOOK_SECRET = 'hook-secret-for-tests';
let ns: string;
let git: GitServers;
let repo: ServedRepo;
let work: WorkTree;
let ctl: ControllerProcess;
let webhookUrl: string;

async function getRepo(name: string): Promise<GitRepository> {
  return cluster.api.get<GitRepository>(gitRepositoryResource, ns, name);
}

async function waitReady(name: string, revision?: string): Promise<GitRepository> {
  return eventually(async () => {
    const r = await getRepo(name);
    expect(condition(r, 'Ready')?.status, condition(r, 'Ready')?.message).toBe('True');
    if (revision) expect(r.status?.artifact?.revision).toBe(revision);
    return r;
  }, 30_000);
}

function signGeneric(body: string, secret = WEBHOOK_SECRET): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  return {
    'X-Sluice-Timestamp': ts,
    'X-Sluice-Signature': `sha256=${sig}`,
    'Content-Type': 'application/json',
  };
}

beforeAll(async () => {
  ns = await createNamespace(cluster.api, 'gitrepo');
  git = await startGitServers({ httpPassword: 'right-password' });
  repo = await git.createRepo('app.git');
  work = await git.workTree(repo);
  await work.commitAndPush(
    { 'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' },
    'first',
    repo.remote('git'),
  );
  await createSecret(cluster.api, ns, 'sluice-webhook', { generic: WEBHOOK_SECRET, github: WEBHOOK_SECRET });
  ctl = await startController({
    kubeconfig: cluster.kubeconfig,
    namespace: ns,
    args: [`--cache-dir=${git.rootDir}/controller-cache`, `--webhook-secret=${ns}/sluice-webhook`],
  });
  webhookUrl = String((await ctl.waitForLog((l) => l.msg === 'webhook receiver listening')).url);
});

afterAll(async () => {
  await ctl?.stop();
  await git?.stop();
  await deleteNamespace(cluster.api, ns);
});

describe('GitRepository', () => {
  it('fetches a branch over git:// and records main@sha1:<sha>', async () => {
    const sha = await work.head();
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      // An hour between polls: any later fetch of `plain` within a test is a webhook's doing.
      gitRepository(ns, 'plain', { url: repo.urls.git, ref: { branch: 'main' }, interval: '1h' }),
    );
    const r = await waitReady('plain', `main@sha1:${sha}`);
    expect(condition(r, 'Ready')?.reason).toBe('Succeeded');
    expect(r.status?.observedGeneration).toBe(r.metadata.generation);
  });

  it('fetches at once on a signed push webhook, and ignores unsigned ones', async () => {
    const sha = await work.commitAndPush({ 'deploy/new.yaml': 'x: 1\n' }, 'second', repo.remote('git'));
    const body = JSON.stringify({ url: repo.urls.http, ref: 'refs/heads/main' });
    const bad = await fetch(`${webhookUrl}/hook/generic`, {
      method: 'POST',
      body,
      headers: signGeneric(body, 'wrong-secret'),
    });
    expect(bad.status).toBe(401);
    // The wrongly signed request fetched nothing.
    expect((await getRepo('plain')).status?.artifact?.revision).not.toBe(`main@sha1:${sha}`);
    const good = await fetch(`${webhookUrl}/hook/generic`, {
      method: 'POST',
      body,
      headers: signGeneric(body),
    });
    expect(good.status).toBe(202);
    expect(((await good.json()) as { matched: string[] }).matched).toContain(`${ns}/plain`);
    // Polling is an hour apart: only the webhook explains this fetch.
    await waitReady('plain', `main@sha1:${sha}`);
    const malformed = await fetch(`${webhookUrl}/hook/generic`, {
      method: 'POST',
      body: '{nope',
      headers: signGeneric('{nope'),
    });
    expect(malformed.status).toBe(400);
  });

  it('authenticates over http with basic auth and stalls with a clear reason on a bad password', async () => {
    await createSecret(cluster.api, ns, 'http-good', { username: 'sluice', password: 'right-password' });
    await createSecret(cluster.api, ns, 'http-bad', { username: 'sluice', password: 'wrong' });
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'http-good', { url: repo.urls.http, secretRef: { name: 'http-good' } }),
    );
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'http-bad', { url: repo.urls.http, secretRef: { name: 'http-bad' } }),
    );
    await waitReady('http-good', `main@sha1:${await work.head()}`);
    const bad = await eventually(async () => {
      const r = await getRepo('http-bad');
      expect(condition(r, 'Stalled')?.status).toBe('True');
      return r;
    });
    expect(condition(bad, 'Ready')?.reason).toBe('AuthenticationFailed');
    expect(condition(bad, 'Ready')?.message).not.toContain('wrong');
  });

  it('fetches over ssh only with a matching known_hosts entry', async () => {
    const key = git.sshd.clientPrivateKey;
    await createSecret(cluster.api, ns, 'ssh-good', { identity: key, known_hosts: git.sshd.knownHostsLine });
    const otherHost = git.sshd.knownHostsLine.replace(
      /ssh-ed25519 \S+/,
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJH9Bd0/rE7RThDdo0wD3nAlhbEmq3CsPlrvHo0kT7v7',
    );
    await createSecret(cluster.api, ns, 'ssh-bad', { identity: key, known_hosts: otherHost });
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'ssh-good', { url: repo.urls.ssh, secretRef: { name: 'ssh-good' } }),
    );
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'ssh-bad', { url: repo.urls.ssh, secretRef: { name: 'ssh-bad' } }),
    );
    await waitReady('ssh-good', `main@sha1:${await work.head()}`);
    const bad = await eventually(async () => {
      const r = await getRepo('ssh-bad');
      expect(condition(r, 'Ready')?.status).toBe('False');
      return r;
    });
    expect(condition(bad, 'Ready')?.message).toMatch(
      /Host key verification failed|REMOTE HOST IDENTIFICATION/,
    );
  });

  it('keeps the last revision while the server is down and recovers by itself', async () => {
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'flaky', { url: repo.urls.http, secretRef: { name: 'http-good' }, interval: '2s' }),
    );
    const before = await waitReady('flaky');
    await git.http.pause();
    try {
      const down = await eventually(async () => {
        const r = await getRepo('flaky');
        expect(condition(r, 'Ready')?.status).toBe('False');
        return r;
      });
      expect(down.status?.artifact?.revision).toBe(before.status?.artifact?.revision);
      expect(condition(down, 'Ready')?.reason).toBe('GitOperationFailed');
      expect(condition(down, 'Reconciling')?.status).toBe('True');
    } finally {
      await git.http.resume();
    }
    await waitReady('flaky', before.status?.artifact?.revision);
  });

  it('follows a force-push that rewrites the branch', async () => {
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'rewritten', { url: repo.urls.git, ref: { branch: 'rewrite' }, interval: '2s' }),
    );
    await work.checkout('rewrite', { create: true });
    await work.commitAndPush({ 'r.txt': 'one\n' }, 'one', repo.remote('git'));
    const old = await work.head();
    await waitReady('rewritten', `rewrite@sha1:${old}`);
    // History replaced: a new root commit, pushed with --force.
    await work.checkout('rewrite-new', { orphan: true });
    await work.writeFiles({ 'r.txt': 'two\n' });
    const rewritten = await work.commit('rewritten history');
    await work.push(repo.remote('git'), { branch: 'rewrite-new', remoteBranch: 'rewrite', force: true });
    const r = await waitReady('rewritten', `rewrite@sha1:${rewritten}`);
    expect(r.status?.artifact?.revision).not.toContain(old);
    await work.checkout('main');
  });

  it('follows semver ranges over tags and survives a deleted branch', async () => {
    await work.tag('v1.0.0');
    await work.push(repo.remote('git'), { branch: false, tags: ['v1.0.0'] });
    const v11 = await work.commitAndPush({ 'v.txt': '1.1\n' }, 'v1.1', repo.remote('git'));
    await work.tag('v1.1.0');
    await work.tag('v2.0.0');
    await work.push(repo.remote('git'), { branch: false, tags: ['v1.1.0', 'v2.0.0'] });
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'semver', { url: repo.urls.git, ref: { semver: '^1.0.0' } }),
    );
    await waitReady('semver', `v1.1.0@sha1:${v11}`);

    await work.checkout('feature', { create: true });
    const feature = await work.commitAndPush({ 'f.txt': 'f\n' }, 'feature', repo.remote('git'));
    await applyObject(
      cluster.api,
      gitRepositoryResource,
      gitRepository(ns, 'feature', { url: repo.urls.git, ref: { branch: 'feature' }, interval: '2s' }),
    );
    await waitReady('feature', `feature@sha1:${feature}`);
    await work.deleteRemoteBranch(repo.remote('git'), 'feature');
    const gone = await eventually(async () => {
      const r = await getRepo('feature');
      expect(condition(r, 'Ready')?.status).toBe('False');
      return r;
    });
    expect(condition(gone, 'Ready')?.message).toContain('branch feature not found');
    expect(gone.status?.artifact?.revision).toBe(`feature@sha1:${feature}`);
    await work.checkout('main');
  });
});
