import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type GitOutput, runGit } from './git-command.ts';

/** Where to fetch from or push to, and what environment that transport needs. */
export interface GitRemote {
  readonly url: string;
  /** For example GIT_SSH_COMMAND for ssh:// URLs. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface BareRepo {
  /** Path relative to the servers' base dir, always ending in `.git`, e.g. `team/app.git`. */
  readonly name: string;
  /** Absolute path of the bare repository. */
  readonly path: string;
}

const REPO_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Creates an empty bare repository under baseDir; `name` may contain slashes, `.git` is added if missing. */
export async function createBareRepo(
  baseDir: string,
  name: string,
  opts: { defaultBranch?: string } = {},
): Promise<BareRepo> {
  if (!REPO_NAME.test(name)) throw new Error(`invalid repository name: ${JSON.stringify(name)}`);
  const fullName = name.endsWith('.git') ? name : `${name}.git`;
  const path = join(baseDir, fullName);
  // Fails if it exists: two tests sharing a repo by accident would be hard to debug.
  await mkdir(dirname(path), { recursive: true });
  await mkdir(path);
  await runGit(['init', '--quiet', '--bare', '-b', opts.defaultBranch ?? 'main', path]);
  return { name: fullName, path };
}

/** Refs of a remote as ref name → object id, e.g. `refs/heads/main` → sha. */
export async function lsRemote(
  remote: GitRemote,
  extraArgs: readonly string[] = [],
): Promise<Map<string, string>> {
  const { stdout } = await runGit(['ls-remote', ...extraArgs, remote.url], { env: remote.env });
  const refs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}

/** Path → new content; `null` deletes the file. */
type FileChanges = Readonly<Record<string, string | Uint8Array | null>>;

interface PushOptions {
  /** Local branch to push; default the current branch; `false` to push only tags. */
  branch?: string | false;
  /** Branch name on the remote; default the same as `branch`. */
  remoteBranch?: string;
  force?: boolean;
  tags?: readonly string[];
}

interface WorkTreeOptions {
  /** Where to put the work tree; a new temp dir (removed by remove()) if omitted. */
  dir?: string;
  branch?: string;
}

/** A non-bare clone used to make commits and push them with the real git client. */
export class WorkTree {
  readonly dir: string;
  #branch: string;
  readonly #ownsDir: boolean;

  constructor(dir: string, branch: string, ownsDir: boolean) {
    this.dir = dir;
    this.#branch = branch;
    this.#ownsDir = ownsDir;
  }

  /** A fresh repository with no remote; push() takes the remote each time. */
  static async init(opts: WorkTreeOptions = {}): Promise<WorkTree> {
    const branch = opts.branch ?? 'main';
    const { dir, owned } = await workDir(opts.dir);
    await runGit(['init', '--quiet', '-b', branch, dir]);
    return new WorkTree(dir, branch, owned);
  }

  /** Clones `remote` (empty repositories too) and checks out `branch` (default main). */
  static async clone(remote: GitRemote, opts: WorkTreeOptions = {}): Promise<WorkTree> {
    const branch = opts.branch ?? 'main';
    const { dir, owned } = await workDir(opts.dir);
    await runGit(['clone', '--quiet', remote.url, dir], { env: remote.env });
    const tree = new WorkTree(dir, branch, owned);
    const hasCommits = await tree.git(['rev-parse', '--verify', '--quiet', 'HEAD']).then(
      () => true,
      () => false,
    );
    if (!hasCommits) await tree.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    else await tree.checkout(branch, { create: true });
    return tree;
  }

  get branch(): string {
    return this.#branch;
  }

  /** Runs git in the work tree; `env` adds to the isolated environment. */
  git(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<GitOutput> {
    return runGit(args, { cwd: this.dir, env });
  }

  /** Switches branch; with `create`, starts it from origin/<branch> if that exists, else from HEAD. */
  async checkout(branch: string, opts: { create?: boolean; orphan?: boolean } = {}): Promise<void> {
    if (opts.orphan) {
      await this.git(['checkout', '--quiet', '--orphan', branch]);
    } else if (opts.create) {
      const upstream = `refs/remotes/origin/${branch}`;
      const hasUpstream = await this.git(['rev-parse', '--verify', '--quiet', upstream]).then(
        () => true,
        () => false,
      );
      await this.git(['checkout', '--quiet', '-B', branch, ...(hasUpstream ? [upstream] : [])]);
    } else {
      await this.git(['checkout', '--quiet', branch]);
    }
    this.#branch = branch;
  }

  /** Writes (or with `null`, deletes) files relative to the work tree root. */
  async writeFiles(files: FileChanges): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const target = resolve(this.dir, path);
      const rel = relative(this.dir, target);
      if (
        isAbsolute(path) ||
        rel === '' ||
        rel === '..' ||
        rel.startsWith('../') ||
        rel === '.git' ||
        rel.startsWith('.git/')
      ) {
        throw new Error(`file path must stay inside the work tree: ${path}`);
      }
      if (content === null) {
        await rm(target, { recursive: true, force: true });
      } else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
  }

  /** Stages everything and commits with the fixed test identity; returns the new commit SHA. */
  async commit(message: string, opts: { allowEmpty?: boolean } = {}): Promise<string> {
    await this.git(['add', '--all']);
    await this.git([
      'commit',
      '--quiet',
      '--no-verify',
      ...(opts.allowEmpty ? ['--allow-empty'] : []),
      '-m',
      message,
    ]);
    return this.head();
  }

  async commitFiles(files: FileChanges, message: string): Promise<string> {
    await this.writeFiles(files);
    return this.commit(message);
  }

  /** Tags `ref` (default HEAD); annotated when a message is given. Returns the tagged commit SHA. */
  async tag(name: string, opts: { message?: string; ref?: string; force?: boolean } = {}): Promise<string> {
    const args = ['tag', ...(opts.force ? ['--force'] : [])];
    if (opts.message !== undefined) args.push('--annotate', '-m', opts.message);
    await this.git([...args, name, opts.ref ?? 'HEAD']);
    return (await this.git(['rev-parse', `${name}^{commit}`])).stdout.trim();
  }

  /** Pushes the branch and/or tags with `git push` to any remote. */
  async push(remote: GitRemote, opts: PushOptions = {}): Promise<void> {
    const plus = opts.force ? '+' : '';
    const refspecs: string[] = [];
    const branch = opts.branch ?? this.#branch;
    if (branch !== false) {
      refspecs.push(`${plus}refs/heads/${branch}:refs/heads/${opts.remoteBranch ?? branch}`);
    }
    for (const tag of opts.tags ?? []) refspecs.push(`${plus}refs/tags/${tag}:refs/tags/${tag}`);
    if (refspecs.length === 0) throw new Error('push: nothing to push');
    await this.git(['push', '--quiet', remote.url, ...refspecs], remote.env);
  }

  async deleteRemoteBranch(remote: GitRemote, branch: string): Promise<void> {
    await this.git(['push', '--quiet', remote.url, `:refs/heads/${branch}`], remote.env);
  }

  async deleteRemoteTag(remote: GitRemote, tag: string): Promise<void> {
    await this.git(['push', '--quiet', remote.url, `:refs/tags/${tag}`], remote.env);
  }

  /** writeFiles + commit + push; returns the new commit SHA. */
  async commitAndPush(
    files: FileChanges,
    message: string,
    remote: GitRemote,
    opts: PushOptions = {},
  ): Promise<string> {
    const sha = await this.commitFiles(files, message);
    await this.push(remote, opts);
    return sha;
  }

  async head(): Promise<string> {
    return (await this.git(['rev-parse', 'HEAD'])).stdout.trim();
  }

  /** Deletes the work tree if this object created its directory. */
  async remove(): Promise<void> {
    if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true });
  }
}

async function workDir(dir: string | undefined): Promise<{ dir: string; owned: boolean }> {
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true });
    return { dir, owned: false };
  }
  return { dir: await mkdtemp(join(tmpdir(), 'sluice-worktree-')), owned: true };
}
