import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type SimpleGit, simpleGit } from 'simple-git';
import { type GitCredentials, gitAuthEnv, redact } from './auth.ts';
import { parseLsRemote, type RemoteRef, type ResolvedRef } from './ref.ts';

export class GitOperationError extends Error {
  override readonly name = 'GitOperationError';
}

/** A commit whose files add up to more than the cache accepts: refused before checkout. */
export class ArtifactTooLargeError extends Error {
  override readonly name = 'ArtifactTooLargeError';
}

const DEFAULT_MAX_ARTIFACT_BYTES = 128 << 20;

const ALLOWED_ENV = [
  'GIT_TERMINAL_PROMPT',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_COUNT',
  'GIT_SSH_COMMAND',
  'GIT_INDEX_FILE',
  'GIT_WORK_TREE',
  ...Array.from({ length: 4 }, (_, i) => [`GIT_CONFIG_KEY_${i}`, `GIT_CONFIG_VALUE_${i}`]).flat(),
];

/**
 * One bare repository per URL, shared by every GitRepository that points at it, with
 * operations on one URL serialised. Fetches are shallow; a revision's files are checked
 * out once into an immutable artifact directory named by its commit.
 */
export class GitCache {
  readonly root: string;
  readonly maxArtifactBytes: number;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(root: string, opts: { maxArtifactBytes?: number } = {}) {
    this.root = root;
    this.maxArtifactBytes = opts.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  }

  /** Lists the remote's refs: cheap, and tells whether anything needs fetching. */
  lsRemote(url: string, creds: GitCredentials | undefined, timeoutMs: number): Promise<RemoteRef[]> {
    return this.withRepo(url, creds, timeoutMs, async (git) => {
      const out = await git.raw(['ls-remote', '--', url]);
      return parseLsRemote(out);
    });
  }

  artifactPath(sha: string): string {
    return join(this.root, 'artifacts', sha);
  }

  hasArtifact(sha: string): boolean {
    return existsSync(this.artifactPath(sha));
  }

  /** Fetches the resolved ref (shallow) and checks its tree out as an artifact directory. */
  fetchArtifact(
    url: string,
    resolved: ResolvedRef,
    creds: GitCredentials | undefined,
    timeoutMs: number,
  ): Promise<string> {
    return this.withRepo(url, creds, timeoutMs, async (git, gitWith) => {
      const dir = this.artifactPath(resolved.sha);
      if (existsSync(dir)) return dir;
      if (!(await hasCommit(git, resolved.sha))) {
        if (resolved.refName) {
          await git.raw([
            'fetch',
            '--depth=1',
            '--no-tags',
            '--',
            url,
            `+${resolved.refName}:refs/sluice/tip`,
          ]);
        } else {
          // A bare commit: ask for it directly (protocol v2 allows it); else fetch all.
          await git
            .raw(['fetch', '--depth=1', '--no-tags', '--', url, resolved.sha])
            .catch(() =>
              git.raw([
                'fetch',
                '--no-tags',
                '--',
                url,
                '+refs/heads/*:refs/sluice/heads/*',
                '+refs/tags/*:refs/tags/*',
              ]),
            );
        }
        if (!(await hasCommit(git, resolved.sha))) {
          throw new GitOperationError(
            `commit ${resolved.sha} not found after fetching ${resolved.refName ?? 'the remote'}`,
          );
        }
      }
      // Git compresses well (a gigabyte of zeros is a few kilobytes pushed): measure the
      // tree before writing it out, so one commit cannot fill the controller's disk.
      const bytes = await treeBytes(git, resolved.sha);
      if (bytes > this.maxArtifactBytes) {
        throw new ArtifactTooLargeError(
          `commit ${resolved.sha.slice(0, 12)} holds ${bytes} bytes of files, over the ${this.maxArtifactBytes}-byte limit (--max-artifact-bytes)`,
        );
      }
      const tmp = join(this.root, 'artifacts', `.tmp-${randomBytes(6).toString('hex')}`);
      await mkdir(tmp, { recursive: true });
      const index = join(this.root, 'artifacts', `.index-${randomBytes(6).toString('hex')}`);
      try {
        const withIndex = gitWith({ GIT_INDEX_FILE: index, GIT_WORK_TREE: tmp });
        await withIndex.raw(['read-tree', resolved.sha]);
        await withIndex.raw(['checkout-index', '--all']);
        await publish(tmp, dir);
      } finally {
        await rm(index, { force: true });
        await rm(tmp, { recursive: true, force: true });
      }
      return dir;
    });
  }

  /**
   * The files that differ between two commits (`git diff --name-only`, renames as a delete
   * and an add, so both paths count); undefined when either commit is not in the clone
   * (a new cache, or history the shallow fetches never brought).
   */
  changedFiles(url: string, from: string, to: string, timeoutMs: number): Promise<string[] | undefined> {
    return this.withRepo(url, undefined, timeoutMs, async (git) => {
      // One git process on the push's path: a commit that is not there fails the diff.
      const out = await git
        .raw(['diff', '--name-only', '--no-renames', '-z', from, to, '--'])
        .catch(() => undefined);
      return out?.split('\0').filter((f) => f !== '');
    });
  }

  /** Removes artifacts not in `keep` (commits still referenced by some status). */
  async prune(keep: Set<string>): Promise<number> {
    const dir = join(this.root, 'artifacts');
    if (!existsSync(dir)) return 0;
    let removed = 0;
    for (const name of await readdir(dir)) {
      if (keep.has(name) || name.startsWith('.')) continue;
      await rm(join(dir, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** The bare repository a URL is fetched into. */
  repoPath(url: string): string {
    return join(this.root, 'repos', repoId(url));
  }

  /**
   * Removes what a deleted GitRepository alone used: the bare repository of `url` (when no
   * other GitRepository reads that URL) and the artifacts of `shas`. Waits for an operation
   * on the URL under way, so a fetch never writes into a removed directory.
   */
  async remove(url: string | undefined, shas: string[]): Promise<void> {
    for (const sha of shas) await rm(this.artifactPath(sha), { recursive: true, force: true });
    if (url === undefined) return;
    const id = repoId(url);
    await this.serialised(id, () => rm(this.repoPath(url), { recursive: true, force: true }));
  }

  /** Runs `fn` after every operation already queued on the repository `id`. */
  private async serialised<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(id) === next) this.locks.delete(id);
    }
  }

  private withRepo<T>(
    url: string,
    creds: GitCredentials | undefined,
    timeoutMs: number,
    fn: (git: SimpleGit, gitWith: (env: Record<string, string>) => SimpleGit) => Promise<T>,
  ): Promise<T> {
    return this.serialised(repoId(url), async () => {
      const repo = this.repoPath(url);
      await mkdir(join(this.root, 'artifacts'), { recursive: true });
      if (!existsSync(join(repo, 'HEAD'))) {
        await mkdir(repo, { recursive: true });
        await simpleGit({ baseDir: repo }).raw(['init', '--bare', '--quiet']);
      }
      const auth = await gitAuthEnv(url, creds);
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        const gitWith = (extra: Record<string, string>) =>
          simpleGit({
            baseDir: repo,
            abort: abort.signal,
            allowEnvironment: ALLOWED_ENV,
            // We set these two ourselves (credentials via env, ssh with host-key checks);
            // nothing user-supplied reaches git's command line or config.
            unsafe: {
              allowUnsafeConfigEnvCount: true,
              allowUnsafeSshCommand: true,
              allowUnsafeProtocolOverride: true,
            },
          }).env({
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/tmp',
            ...auth.env,
            ...extra,
          });
        return await fn(gitWith({}), gitWith);
      } catch (err) {
        if (err instanceof ArtifactTooLargeError) throw err;
        const message = abort.signal.aborted
          ? `timed out after ${timeoutMs}ms`
          : summariseGitError((err as Error).message);
        throw new GitOperationError(message, { cause: err });
      } finally {
        clearTimeout(timer);
        await auth.cleanup();
      }
    });
  }
}

function repoId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 20);
}

/** Sum of the blob sizes in a commit's tree (`git ls-tree -r -l`). */
async function treeBytes(git: SimpleGit, sha: string): Promise<number> {
  const out = await git.raw(['ls-tree', '-r', '-l', '-z', sha]);
  let total = 0;
  for (const entry of out.split('\0')) {
    // `<mode> blob <oid> <size>\t<path>`; submodules (commit) have "-" as their size.
    const size = Number(/^\S+ blob \S+ +(\d+)\t/.exec(entry)?.[1] ?? 0);
    total += size;
  }
  return total;
}

/**
 * Moves a checkout into place. Locks are per URL and artifacts per commit, so two URLs of one
 * repository (http and ssh, or with credentials in one) can check the same commit out at
 * once: the second finds the directory there, which is the same content, and keeps it.
 */
async function publish(tmp: string, dir: string): Promise<void> {
  try {
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(dir)) return;
    throw err;
  }
}

async function hasCommit(git: SimpleGit, sha: string): Promise<boolean> {
  try {
    await git.raw(['cat-file', '-e', `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/** git's stderr minus its boilerplate, on one line, with credentials removed. */
export function summariseGitError(stderr: string): string {
  const lines = redact(stderr)
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^(Please make sure you have the correct access rights|and the repository exists\.$|ssh-keygen -f|remove with:|Offending|Add correct host key)/.test(
          l,
        ),
    );
  return lines.slice(-4).join('; ') || 'git failed without a message';
}
