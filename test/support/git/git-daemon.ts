import { GIT_BIN, gitEnv } from './git-command.ts';
import { type ServerProcess, spawnServer, waitForTcp, withFreePort } from './process.ts';

interface GitDaemonOptions {
  /** Directory of bare repositories; git://host:port/<name> maps to <baseDir>/<name>. */
  baseDir: string;
  startTimeoutMs?: number;
}

export interface GitDaemon {
  readonly host: string;
  readonly port: number;
  /** git://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** URL of a repository given by its path relative to baseDir, e.g. `app.git`. */
  url(repo: string): string;
  /** The daemon's recent log output (it runs with --verbose). */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts `git daemon` on a free loopback port, serving every repo under baseDir, pushes allowed. */
export function startGitDaemon(opts: GitDaemonOptions): Promise<GitDaemon> {
  const host = '127.0.0.1';
  return withFreePort(async (port) => {
    const proc: ServerProcess = spawnServer(
      'git daemon',
      GIT_BIN,
      [
        'daemon',
        `--listen=${host}`,
        `--port=${port}`,
        `--base-path=${opts.baseDir}`,
        '--export-all',
        '--enable=receive-pack',
        '--reuseaddr',
        '--informative-errors',
        '--verbose',
      ],
      { env: gitEnv(), cwd: opts.baseDir },
    );
    try {
      await waitForTcp(proc, port, { host, timeoutMs: opts.startTimeoutMs ?? 10_000 });
    } catch (err) {
      await proc.stop();
      throw err;
    }
    const baseUrl = `git://${host}:${port}`;
    return {
      host,
      port,
      baseUrl,
      url: (repo) => `${baseUrl}/${repo.replace(/^\/+/, '')}`,
      logs: () => proc.output(),
      stop: () => proc.stop(),
    };
  });
}
