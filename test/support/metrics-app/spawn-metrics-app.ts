// Starts the metrics app as a separate process (main.ts), for tests that need the application
// to outlive or be killed independently of the test process.

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Behaviour, MetricsAppStatus } from './metrics-app.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

export interface SpawnedMetricsApp {
  url: string;
  /** `host:port` for Prometheus static_configs. */
  target: string;
  child: ChildProcess;
  /** POST /control. */
  setBehaviour(change: Partial<Behaviour>): Promise<MetricsAppStatus>;
  /** SIGTERM, then SIGKILL after 5 s; idempotent. */
  stop(): Promise<void>;
}

interface SpawnMetricsAppOptions {
  name: string;
  version?: string;
  port?: number;
  behaviour?: Partial<Behaviour>;
  startTimeoutMs?: number;
}

export async function spawnMetricsApp(options: SpawnMetricsAppOptions): Promise<SpawnedMetricsApp> {
  const args = [MAIN, '--name', options.name, '--port', String(options.port ?? 0)];
  if (options.version !== undefined) args.push('--version', options.version);
  const b = options.behaviour ?? {};
  if (b.errorRate !== undefined) args.push('--error-rate', String(b.errorRate));
  if (b.latencyMs !== undefined) args.push('--latency-ms', String(b.latencyMs));
  if (b.rps !== undefined) args.push('--rps', String(b.rps));

  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`metrics app did not start in ${options.startTimeoutMs ?? 15_000}ms: ${output}`));
    }, options.startTimeoutMs ?? 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`metrics app exited (${code}) before listening: ${output}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output = (output + line).slice(-4000);
      try {
        const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
        if (parsed.msg === 'metrics app listening' && typeof parsed.url === 'string') {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // Not a log line; keep it in the output tail only.
      }
    });
  });

  let stopping: Promise<void> | undefined;
  return {
    url,
    target: new URL(url).host,
    child,
    async setBehaviour(change) {
      const response = await fetch(`${url}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(change),
      });
      const body = (await response.json()) as MetricsAppStatus | { error: string };
      if (!response.ok || 'error' in body) throw new Error(`POST /control failed: ${JSON.stringify(body)}`);
      return body;
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}
