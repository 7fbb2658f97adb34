// Runs the kubectl-sluice plugin as kubectl would: its own process, the installed entry point,
// KUBECONFIG from the environment.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestCluster } from './cluster.ts';

const PLUGIN = fileURLToPath(new URL('../../cli/kubectl-sluice.js', import.meta.url));

interface PluginResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(cluster: TestCluster): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: cluster.kubeconfig,
    PATH: `${cluster.binDir}:${process.env.PATH}`,
    NO_COLOR: '1',
  };
}

export function sluice(cluster: TestCluster, args: string[]): Promise<PluginResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PLUGIN, ...args], {
      env: env(cluster),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Watching {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output so far satisfies `pred`. */
  waitFor(pred: (output: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Ctrl-C, as a person ends a watch; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function sluiceWatch(cluster: TestCluster, args: string[]): Watching {
  const child = spawn(process.execPath, [PLUGIN, ...args], {
    env: env(cluster),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor: (pred, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pred(out)) return;
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve(out);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(
            new Error(
              `watch output did not match in ${timeoutMs}ms; stderr: ${err}\nstdout: ${out.slice(-3000)}`,
            ),
          );
        }, timeoutMs);
        waiters.push(check);
        check();
      }),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
