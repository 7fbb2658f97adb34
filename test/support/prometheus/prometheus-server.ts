// Runs Debian's real Prometheus (/usr/bin/prometheus) as a child process on loopback, with its
// own config and TSDB in a temp dir, on a free port, so it never depends on or collides with a
// system prometheus service the package may have started.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderPrometheusConfig, type ScrapeJob } from './config.ts';
import { type ActiveTarget, activeTargets, instantQuery, type Sample, waitForSeries } from './query.ts';

export type { ScrapeJob };

interface PrometheusOptions {
  jobs?: ScrapeJob[];
  /** Default 1. */
  scrapeIntervalSeconds?: number;
  /** Default 1. */
  evaluationIntervalSeconds?: number;
  /** Default: $PROMETHEUS_BIN or /usr/bin/prometheus. */
  binary?: string;
  startTimeoutMs?: number;
}

export interface PrometheusServer {
  /** `http://127.0.0.1:<port>`; stays the same across stopTemporarily()/restart(). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly configFile: string;
  /** Milliseconds from spawn to `/-/ready` answering 200, for the latest (re)start. */
  readonly startupMs: number;
  jobs(): ScrapeJob[];
  /** Rewrites the config and reloads it (POST /-/reload); resolves once Prometheus applied it. */
  setJobs(jobs: ScrapeJob[]): Promise<void>;
  query(query: string): Promise<Sample[]>;
  waitForSeries(
    query: string,
    predicate?: (samples: Sample[]) => boolean,
    timeoutMs?: number,
  ): Promise<Sample[]>;
  targets(): Promise<ActiveTarget[]>;
  /** Stops the process but keeps port, config and data, to simulate an outage. */
  stopTemporarily(): Promise<void>;
  /** Starts again after stopTemporarily(), same port and data dir; resolves when ready. */
  restart(): Promise<void>;
  isRunning(): boolean;
  /** The last few kilobytes of Prometheus' log, for failure messages. */
  output(): string;
  /** Kills the process and removes the temp dir; idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_BINARY = '/usr/bin/prometheus';
const LOG_TAIL = 16 * 1024;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test runner that dies must not leave Prometheus running. */
function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = options.binary ?? process.env.PROMETHEUS_BIN ?? DEFAULT_BINARY;
  if (!existsSync(binary)) {
    throw new Error(
      `Prometheus binary not found at ${binary}; install it with: apt-get install -y prometheus`,
    );
  }
  const timing = {
    scrapeIntervalSeconds: options.scrapeIntervalSeconds ?? 1,
    evaluationIntervalSeconds: options.evaluationIntervalSeconds ?? 1,
  };
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const root = await mkdtemp(join(tmpdir(), 'sluice-prometheus-'));
  const configFile = join(root, 'prometheus.yml');
  const dataDir = join(root, 'data');
  let jobs = [...(options.jobs ?? [])];
  await writeFile(configFile, renderPrometheusConfig(jobs, timing));

  let log = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  let startupMs = 0;
  let removed = false;

  const launch = async (): Promise<void> => {
    const began = performance.now();
    const proc = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        '--storage.tsdb.retention.time=1d',
        '--log.level=info',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    trackChild(proc);
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-LOG_TAIL);
    };
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    let exitNote: string | undefined;
    exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        exitNote = `exited with ${signal ?? code}`;
        resolve();
      });
      proc.once('error', (error) => {
        exitNote = `could not be started: ${error.message}`;
        resolve();
      });
    });

    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exitNote !== undefined) throw new Error(`Prometheus ${exitNote} before it was ready:\n${log}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/-/ready`, {
          signal: AbortSignal.timeout(1_000),
        });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`Prometheus was not ready within ${startTimeoutMs}ms:\n${log}`);
      }
      await sleep(100);
    }
    startupMs = Math.round(performance.now() - began);
  };

  const terminate = async (): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    // A clean shutdown flushes the head block; a stuck one is not worth waiting for.
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  // The free port can be taken between choosing and binding it; choose again a few times.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      const inUse = /address already in use/i.test(log);
      if (!inUse || attempt >= 3) {
        await terminate();
        await rm(root, { recursive: true, force: true });
        throw error;
      }
      log = '';
    }
  }

  const url = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    url,
    port,
    dataDir,
    configFile,
    get startupMs() {
      return startupMs;
    },
    jobs: () => jobs.map((j) => ({ ...j, targets: [...j.targets] })),
    async setJobs(next) {
      const rendered = renderPrometheusConfig(next, timing);
      jobs = next.map((j) => ({ ...j, targets: [...j.targets] }));
      await writeFile(configFile, rendered);
      if (!isRunning()) return; // restart() reads the file
      const response = await fetch(`${url}/-/reload`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`Prometheus refused the new config: HTTP ${response.status} ${text}`);
    },
    query: (query) => instantQuery(url, query),
    waitForSeries: (query, predicate, timeoutMs) => waitForSeries(url, query, predicate, timeoutMs),
    targets: () => activeTargets(url),
    async stopTemporarily() {
      if (stopping) throw new Error('Prometheus was stopped for good');
      await terminate();
    },
    async restart() {
      if (stopping || removed) throw new Error('Prometheus was stopped for good');
      if (isRunning()) return;
      await launch();
    },
    isRunning,
    output: () => log,
    stop() {
      stopping ??= (async () => {
        await terminate();
        removed = true;
        await rm(root, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
