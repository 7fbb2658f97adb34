import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';

export const GIT_BIN = '/usr/bin/git';

/** Fixed identity for every commit and tag the harness makes. */
const GIT_IDENTITY = {
  name: 'Sluice Test',
  email: 'sluice-test@example.invalid',
} as const;

/**
 * Environment for git and the servers: isolated from the developer's system and global git
 * config (credential helpers, signing, url rewrites), never prompting, in the C locale so
 * that error text is stable.
 */
export function gitEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: tmpdir(),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: GIT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
    GIT_COMMITTER_NAME: GIT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Hides passwords embedded in URLs (http://user:secret@host) in messages. */
function redactCredentials(text: string): string {
  return text.replace(/(\/\/[^/:@\s]+:)[^@\s/]*@/g, '$1***@');
}

/** A git command exited non-zero. `stderr` is git's own explanation. */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    args: readonly string[],
    exitCode: number | null,
    stdout: string,
    stderr: string,
    cause: unknown,
  ) {
    super(redactCredentials(`git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim()}`), { cause });
    this.args = args;
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

interface RunGitOptions {
  cwd?: string;
  /** Added to gitEnv(); use for GIT_SSH_COMMAND and the like. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export interface GitOutput {
  stdout: string;
  stderr: string;
}

/** Runs git with an args array (no shell) and the isolated environment. */
export function runGit(args: readonly string[], opts: RunGitOptions = {}): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      GIT_BIN,
      args,
      {
        cwd: opts.cwd,
        env: gitEnv(opts.env),
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : null;
        reject(new GitCommandError(args, code, stdout, stderr || error.message, error));
      },
    );
  });
}
