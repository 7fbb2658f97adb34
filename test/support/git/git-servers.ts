import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitDaemon, startGitDaemon } from './git-daemon.ts';
import { type BareRepo, createBareRepo, type GitRemote, WorkTree } from './repos.ts';
import { type GitHttpServer, startGitHttpServer } from './smart-http.ts';
import { type Sshd, startSshd } from './sshd.ts';

export type GitTransport = 'git' | 'http' | 'ssh';
export const GIT_TRANSPORTS: readonly GitTransport[] = ['git', 'http', 'ssh'];

export interface ServedRepo extends BareRepo {
  /** Plain URL per transport, http without credentials: what a controller is configured with. */
  readonly urls: Readonly<Record<GitTransport, string>>;
  /** For the git client: http with the credentials in the URL, ssh with GIT_SSH_COMMAND set. */
  remote(transport: GitTransport): GitRemote;
}

interface StartGitServersOptions {
  /** Basic-auth user for the HTTP server; default `sluice`. */
  httpUsername?: string;
  /** Default: random. */
  httpPassword?: string;
  /** When set, the HTTP server also accepts `Authorization: Bearer <token>`. */
  httpBearerToken?: string;
  /** Per server. */
  startTimeoutMs?: number;
}

export interface GitServers {
  /** Temp dir holding everything below; removed by stop(). */
  readonly rootDir: string;
  /** Bare repositories served by all three servers. */
  readonly baseDir: string;
  readonly daemon: GitDaemon;
  readonly http: GitHttpServer;
  readonly sshd: Sshd;
  /** Creates an empty bare repo (default branch main) reachable over every transport. */
  createRepo(name: string, opts?: { defaultBranch?: string }): Promise<ServedRepo>;
  /** URLs and remotes of an existing repo under baseDir, e.g. `app.git`. */
  served(repo: BareRepo): ServedRepo;
  /** Clones the repo over `transport` (default git://) into rootDir; stop() removes it. */
  workTree(repo: ServedRepo, opts?: { transport?: GitTransport; branch?: string }): Promise<WorkTree>;
  /** Stops every server and removes rootDir; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts git daemon, smart HTTP (git-http-backend behind basic auth) and sshd on loopback,
 * all serving the same directory of bare repositories. The caller owns the lifetime: call
 * stop() when done, typically in afterAll.
 */
export async function startGitServers(opts: StartGitServersOptions = {}): Promise<GitServers> {
  const rootDir = await mkdtemp(join(tmpdir(), 'sluice-git-'));
  const baseDir = join(rootDir, 'repos');
  const workDir = join(rootDir, 'work');
  const sshDir = join(rootDir, 'sshd');
  await Promise.all([mkdir(baseDir), mkdir(workDir), mkdir(sshDir, { mode: 0o700 })]);

  const started = await Promise.allSettled([
    startGitDaemon({ baseDir, startTimeoutMs: opts.startTimeoutMs }),
    startGitHttpServer({
      baseDir,
      username: opts.httpUsername ?? 'sluice',
      password: opts.httpPassword ?? randomBytes(16).toString('hex'),
      bearerToken: opts.httpBearerToken,
    }),
    startSshd({ stateDir: sshDir, startTimeoutMs: opts.startTimeoutMs }),
  ]);
  const [daemonResult, httpResult, sshdResult] = started;
  if (
    daemonResult.status !== 'fulfilled' ||
    httpResult.status !== 'fulfilled' ||
    sshdResult.status !== 'fulfilled'
  ) {
    await Promise.allSettled(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    await rm(rootDir, { recursive: true, force: true });
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failure?.reason;
  }
  const daemon = daemonResult.value;
  const http = httpResult.value;
  const sshd = sshdResult.value;

  const served = (repo: BareRepo): ServedRepo => {
    const urls = { git: daemon.url(repo.name), http: http.url(repo.name), ssh: sshd.url(repo.path) };
    const remotes: Record<GitTransport, GitRemote> = {
      git: { url: urls.git },
      http: { url: http.urlWithCredentials(repo.name) },
      ssh: { url: urls.ssh, env: { GIT_SSH_COMMAND: sshd.sshCommand } },
    };
    return { ...repo, urls, remote: (transport) => remotes[transport] };
  };

  let workTrees = 0;
  let stopping: Promise<void> | undefined;
  return {
    rootDir,
    baseDir,
    daemon,
    http,
    sshd,
    createRepo: async (name, repoOpts) => served(await createBareRepo(baseDir, name, repoOpts)),
    served,
    workTree: (repo, treeOpts = {}) =>
      WorkTree.clone(repo.remote(treeOpts.transport ?? 'git'), {
        dir: join(workDir, `${++workTrees}`),
        branch: treeOpts.branch,
      }),
    stop: () => {
      stopping ??= (async () => {
        await Promise.allSettled([daemon.stop(), http.stop(), sshd.stop()]);
        await rm(rootDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
