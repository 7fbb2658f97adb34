import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';

class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
}

/** A free loopback port (bind 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Supervised {
  name: string;
  child: ChildProcess;
  logFile: string;
}

/**
 * Starts a server in its own process group, logging to `<dir>/<name>.log`, and records
 * its pid in `<dir>/pids` so a later run can clean up after one that was killed.
 */
export async function startProcess(
  dir: string,
  name: string,
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<Supervised> {
  const logFile = join(dir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  await new Promise<void>((resolve) => out.once('open', () => resolve()));
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out], env: env ?? process.env });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new ProcessStartError(`${name}: cannot start ${cmd}: ${err.message}`, { cause: err })),
    );
  });
  child.unref();
  await appendFile(join(dir, 'pids'), `${child.pid}\n`);
  return { name, child, logFile };
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function logTail(file: string, lines = 25): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `check` until it returns true; fails with the process's log tail on timeout or exit. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; proc?: Supervised; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (opts.proc && opts.proc.child.exitCode !== null) {
      throw new ProcessStartError(
        `${what}: process exited with code ${opts.proc.child.exitCode}\n${await logTail(opts.proc.logFile)}`,
      );
    }
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  const tail = opts.proc ? `\n${await logTail(opts.proc.logFile)}` : '';
  throw new ProcessStartError(`${what}: not ready after ${opts.timeoutMs}ms${tail}`);
}
