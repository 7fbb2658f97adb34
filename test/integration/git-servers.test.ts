import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GIT_TRANSPORTS,
  GitCommandError,
  GitServerStartError,
  type GitServers,
  generateEd25519Key,
  lsRemote,
  runGit,
  type ServedRepo,
  sshCommand,
  startGitDaemon,
  startGitHttpServer,
  startGitServers,
} from '../support/git/index.ts';

const BEARER_TOKEN = 'integration-test-token';

/** The GitCommandError a git invocation failed with (fails the test if it succeeded). */
async function gitFailure(promise: Promise<unknown>): Promise<GitCommandError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitCommandError);
  return err as GitCommandError;
}

describe('git servers on loopback', () => {
  let servers: GitServers;

  beforeAll(async () => {
    servers = await startGitServers({ httpBearerToken: BEARER_TOKEN });
  });

  afterAll(async () => {
    await servers?.stop();
  });

  async function repoWithCommit(name: string): Promise<{ repo: ServedRepo; sha: string }> {
    const repo = await servers.createRepo(name);
    const tree = await servers.workTree(repo);
    const sha = await tree.commitAndPush({ 'README.md': `# ${name}\n` }, 'initial', repo.remote('git'));
    return { repo, sha };
  }

  it.each(GIT_TRANSPORTS)('pushes over %s and reads back over every transport', async (transport) => {
    const repo = await servers.createRepo(`push-over-${transport}`);
    const tree = await servers.workTree(repo, { transport });
    const content = `pushed-over: ${transport}\n`;
    const sha = await tree.commitAndPush({ 'deploy/app.yaml': content }, 'add app', repo.remote(transport));
    expect(sha).toMatch(/^[0-9a-f]{40}$/);

    for (const readBack of GIT_TRANSPORTS) {
      const refs = await lsRemote(repo.remote(readBack));
      expect(refs.get('refs/heads/main'), `ls-remote over ${readBack}`).toBe(sha);
      const clone = await servers.workTree(repo, { transport: readBack });
      expect(await clone.head()).toBe(sha);
      expect(await readFile(join(clone.dir, 'deploy/app.yaml'), 'utf8')).toBe(content);
    }
  });

  it('writes, deletes and commits files with the fixed identity', async () => {
    const { repo } = await repoWithCommit('files');
    const tree = await servers.workTree(repo, { transport: 'http' });
    await tree.commitAndPush({ 'README.md': null, 'a/b/c.txt': 'c\n' }, 'reshape', repo.remote('http'));
    const clone = await servers.workTree(repo, { transport: 'ssh' });
    const files = (await clone.git(['ls-files'])).stdout.trim().split('\n');
    expect(files).toEqual(['a/b/c.txt']);
    const author = (await clone.git(['log', '-1', '--format=%an <%ae> | %cn <%ce>'])).stdout.trim();
    expect(author).toBe(
      'Sluice Test <sluice-test@example.invalid> | Sluice Test <sluice-test@example.invalid>',
    );
  });

  it('requires basic auth over http and records the authenticated user', async () => {
    const { repo, sha } = await repoWithCommit('http-auth');
    const wrong = servers.http.urlWithCredentials(repo.name, {
      username: servers.http.username,
      password: 'not-the-password',
    });
    const err = await gitFailure(lsRemote({ url: wrong }));
    expect(err.stderr).toMatch(/Authentication failed/);
    expect(err.message).not.toContain('not-the-password');

    const anonymous = await gitFailure(lsRemote({ url: repo.urls.http }));
    expect(anonymous.stderr).toMatch(/could not read Username|Authentication failed/);

    const tree = await servers.workTree(repo);
    await tree.commitAndPush({ 'x.txt': 'x\n' }, 'over http', repo.remote('http'));
    const pushes = servers.http.requests.filter((r) => r.path === `/${repo.name}/git-receive-pack`);
    expect(pushes.at(-1)).toMatchObject({ method: 'POST', status: 200, user: servers.http.username });
    expect(servers.http.requests.some((r) => r.status === 401 && r.user === undefined)).toBe(true);
    expect((await lsRemote(repo.remote('ssh'))).get('refs/heads/main')).not.toBe(sha);
  });

  it('accepts a bearer token over http', async () => {
    const { repo, sha } = await repoWithCommit('http-bearer');
    const withToken = (token: string): string[] => [
      '-c',
      `http.extraHeader=Authorization: Bearer ${token}`,
      'ls-remote',
      repo.urls.http,
    ];
    const { stdout } = await runGit(withToken(BEARER_TOKEN));
    expect(stdout).toContain(`${sha}\trefs/heads/main`);
    const err = await gitFailure(runGit(withToken('wrong-token')));
    expect(err.stderr).toMatch(/could not read Username|Authentication failed/);
  });

  it('verifies the ssh host key against known_hosts', async () => {
    const { repo, sha } = await repoWithCommit('ssh-host-key');
    const refs = await lsRemote(repo.remote('ssh'));
    expect(refs.get('refs/heads/main')).toBe(sha);

    // The right host and port, but someone else's key.
    const wrongKnownHosts = join(servers.rootDir, 'wrong_known_hosts');
    const otherKey = servers.sshd.clientPublicKey.split(' ').slice(0, 2).join(' ');
    await writeFile(wrongKnownHosts, `[127.0.0.1]:${servers.sshd.port} ${otherKey}\n`);
    const env = {
      GIT_SSH_COMMAND: sshCommand({
        keyPath: servers.sshd.clientPrivateKeyPath,
        knownHostsPath: wrongKnownHosts,
      }),
    };
    const err = await gitFailure(lsRemote({ url: repo.urls.ssh, env }));
    expect(err.stderr).toMatch(/Host key verification failed/);
  });

  it('rejects an ssh client key that is not authorized', async () => {
    const { repo } = await repoWithCommit('ssh-client-key');
    const keyPath = join(servers.rootDir, 'unauthorized_ed25519');
    await generateEd25519Key(keyPath, 'unauthorized');
    const env = { GIT_SSH_COMMAND: sshCommand({ keyPath, knownHostsPath: servers.sshd.knownHostsPath }) };
    const err = await gitFailure(lsRemote({ url: repo.urls.ssh, env }));
    expect(err.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('force-pushes rewritten history and deletes branches and tags', async () => {
    const { repo, sha: first } = await repoWithCommit('rewrite');
    const tree = await servers.workTree(repo, { transport: 'ssh' });
    await tree.commitAndPush({ 'v.txt': '2\n' }, 'second', repo.remote('ssh'));
    await tree.git(['reset', '--hard', first]);
    const rewritten = await tree.commitFiles({ 'v.txt': 'rewritten\n' }, 'rewritten');

    const rejected = await gitFailure(tree.push(repo.remote('http')));
    expect(rejected.stderr).toMatch(/rejected|non-fast-forward/);
    await tree.push(repo.remote('http'), { force: true });
    expect((await lsRemote(repo.remote('git'))).get('refs/heads/main')).toBe(rewritten);

    await tree.push(repo.remote('git'), { remoteBranch: 'feature' });
    const tagged = await tree.tag('v1.0.0', { message: 'release 1.0.0' });
    await tree.push(repo.remote('ssh'), { branch: false, tags: ['v1.0.0'] });
    let refs = await lsRemote(repo.remote('http'));
    expect(refs.get('refs/heads/feature')).toBe(rewritten);
    expect(refs.get('refs/tags/v1.0.0^{}')).toBe(tagged);

    await tree.deleteRemoteBranch(repo.remote('ssh'), 'feature');
    await tree.deleteRemoteTag(repo.remote('git'), 'v1.0.0');
    refs = await lsRemote(repo.remote('ssh'));
    expect([...refs.keys()].sort()).toEqual(['HEAD', 'refs/heads/main']);
  });

  it('takes the http server down and brings it back on the same port', async () => {
    const { repo, sha } = await repoWithCommit('outage');
    const port = servers.http.port;
    await servers.http.pause();
    expect(servers.http.isUp()).toBe(false);
    const err = await gitFailure(lsRemote(repo.remote('http')));
    expect(err.stderr).toMatch(/Failed to connect|Couldn't connect|Connection refused/);

    await servers.http.resume();
    expect(servers.http.isUp()).toBe(true);
    expect(servers.http.port).toBe(port);
    expect((await lsRemote(repo.remote('http'))).get('refs/heads/main')).toBe(sha);
  });
});

describe('individual git servers', () => {
  it('stop() is safe to call twice', async () => {
    const baseDir = await mkdtemp(join(tmpdir(), 'sluice-git-test-'));
    try {
      const daemon = await startGitDaemon({ baseDir });
      expect(await accepts(daemon.port)).toBe(true);
      await expect(Promise.all([daemon.stop(), daemon.stop()])).resolves.toBeDefined();
      await expect(daemon.stop()).resolves.toBeUndefined();
      // Stopped for real: the port no longer takes connections.
      expect(await accepts(daemon.port)).toBe(false);
    } finally {
      await rm(baseDir, { recursive: true, force: true });
    }
  });

  it('fails to start with a typed error when the port is taken', async () => {
    const first = await startGitHttpServer({ baseDir: tmpdir(), username: 'u', password: 'p' });
    try {
      const err = await startGitHttpServer({
        baseDir: tmpdir(),
        username: 'u',
        password: 'p',
        port: first.port,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitServerStartError);
      expect((err as GitServerStartError).addressInUse).toBe(true);
      expect((err as GitServerStartError).cause).toBeDefined();
    } finally {
      await first.stop();
    }
  });
});

/** Whether something on loopback accepts a TCP connection on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
