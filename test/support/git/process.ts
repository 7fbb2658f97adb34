import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const TAIL_BYTES = 16 * 1024;
const ADDRESS_IN_USE =
  /address already in use|cannot bind any address|unable to allocate any listen sockets/i;

/** A test git server did not come up. `stderrTail` holds the end of its output, for diagnosis. */
export class GitServerStartError extends Error {
  override readonly name = 'GitServerStartError';
  readonly server: string;
  readonly stderrTail: string;
  /** The port was taken between choosing it and binding it; starting again on a new port may work. */
  readonly addressInUse: boolean;

  constructor(server: string, message: string, opts: { stderrTail?: string; cause?: unknown } = {}) {
    const tail = opts.stderrTail?.trimEnd() ?? '';
    super(
      tail ? `${server}: ${message}\n--- ${server} output (tail) ---\n${tail}` : `${server}: ${message}`,
      {
        cause: opts.cause,
      },
    );
    this.server = server;
    this.stderrTail = tail;
    this.addressInUse =
      ADDRESS_IN_USE.test(tail) || (opts.cause as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
  }
}

/** Keeps the last few kilobytes of a stream of output. */
export class OutputTail {
  #text = '';

  append(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > TAIL_BYTES) this.#text = this.#text.slice(-TAIL_BYTES);
  }

  toString(): string {
    return this.#text;
  }
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves once the process has exited (or failed to spawn); never rejects. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** stdout and stderr, interleaved, last few kilobytes. */
  output(): string;
  /** Terminates the whole process group; safe to call more than once. */
  stop(): Promise<void>;
}

interface SpawnServerOptions {
  env: Record<string, string>;
  cwd?: string;
  stopTimeoutMs?: number;
}

/**
 * Spawns a long-running server in its own process group, so that stop() also reaches the
 * per-connection children that git daemon and sshd fork.
 */
export function spawnServer(
  name: string,
  command: string,
  args: readonly string[],
  opts: SpawnServerOptions,
): ServerProcess {
  const tail = new OutputTail();
  const child = spawn(command, args, {
    env: opts.env,
    cwd: opts.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => tail.append(c));
  child.stderr.on('data', (c: Buffer) => tail.append(c));
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      done = true;
      resolve({ code: null, signal: null, error });
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid === undefined) return;
      signalGroup('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(stopTimeoutMs, true)]);
      // Also sweeps up per-connection children that outlived the leader.
      signalGroup('SIGKILL');
      if (timedOut) await exited;
    })();
    return stopping;
  };

  return {
    name,
    pid: child.pid,
    exited,
    hasExited: () => done,
    output: () => tail.toString(),
    stop,
  };
}

/** Describes how a process ended, for error messages. */
function describeExit(info: ExitInfo): string {
  if (info.error) return `failed to start: ${info.error.message}`;
  if (info.signal) return `was killed by ${info.signal}`;
  return `exited with code ${info.code}`;
}

/**
 * Asks the kernel for a free loopback port. Another process can take it before the server
 * binds it; callers retry on GitServerStartError.addressInUse.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not determine a free port');
  return address.port;
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Polls until `proc` accepts TCP connections on host:port; fails early if it exits. */
export async function waitForTcp(
  proc: ServerProcess,
  port: number,
  opts: { host?: string; timeoutMs: number },
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      const info = await proc.exited;
      throw new GitServerStartError(proc.name, `${describeExit(info)} before accepting connections`, {
        stderrTail: proc.output(),
        cause: info.error,
      });
    }
    if (await tryConnect(host, port, 1_000)) {
      // A server that failed to bind may still be exiting; give it a moment to show that.
      await sleep(20);
      if (!proc.hasExited()) return;
      continue;
    }
    if (Date.now() > deadline) {
      throw new GitServerStartError(
        proc.name,
        `did not accept connections on ${host}:${port} within ${opts.timeoutMs} ms`,
        { stderrTail: proc.output() },
      );
    }
    await sleep(50);
  }
}

/** Runs `start` with a fresh free port, retrying a few times if the port was taken meanwhile. */
export async function withFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    try {
      return await start(port);
    } catch (err) {
      if (!(err instanceof GitServerStartError && err.addressInUse) || attempt >= attempts) throw err;
    }
  }
}
