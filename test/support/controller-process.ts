import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ControllerProcess {
  child: ChildProcess;
  probeUrl: string;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The Node.js flags the image starts the controller with (the Dockerfile's ENTRYPOINT;
 * test/unit/node-flags.test.ts keeps the two the same). A young generation capped at 16 MiB
 * (two semi-spaces of 8): V8 otherwise grows it to 128 MiB under a burst of reconciles, most
 * of a 1,000-app controller's peak memory, for garbage that dies young anyway. 8 rather than
 * 4 or 2: a scavenge costs what is still alive, the requests in flight, so a smaller young
 * generation is collected more often for about the same work each time; at 4 a push's
 * collections took 75-80 ms against 40-46 ms, and CPU per push 0.95-1.00 s against 0.79 s
 * (`npm run bench:push` prints both CPU per push and peak RSS).
 * An old generation let grow to 1.3× what survived the last full collection: V8 otherwise
 * picks a factor of up to 4 from how fast the program allocates, and a push's thousand
 * reconciles allocate fast, so over 30 pushes at 1,000 apps the old generation held up to
 * 145 MiB around 54 MiB of live objects, and the peak was 235-295 MiB instead of 190. 1.3 is
 * the factor V8 itself falls back to when memory is short; the extra full collections mark
 * mostly beside the program (`npm run bench:apps` prints the heap at the peak and the
 * collection time per push; see "Memory" in the README).
 */
export const CONTROLLER_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=30'];

/** Runs the controller as users do: its own process, talking to the API server. */
export async function startController(opts: {
  kubeconfig: string;
  /**
   * Reconcile this namespace only: end-to-end files run in parallel against one control
   * plane, and each file's controller must leave the others' objects alone.
   */
  namespace?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** A command the controller runs under, such as a sandbox: `[...wrapper, node, main.ts, ...]`. */
  wrapper?: string[];
}): Promise<ControllerProcess> {
  const [command, ...prefix] = [...(opts.wrapper ?? []), process.execPath];
  const child = spawn(
    command as string,
    [
      ...prefix,
      ...CONTROLLER_NODE_FLAGS,
      // For profiling or trying V8 flags (NODE_OPTIONS refuses most of those), in tests and
      // benchmarks alike, e.g. SLUICE_CONTROLLER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
      ...(process.env.SLUICE_CONTROLLER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      join(repoRoot, 'controller/main.ts'),
      `--kubeconfig=${opts.kubeconfig}`,
      '--http-address=127.0.0.1:0',
      '--webhook-address=127.0.0.1:0',
      ...(opts.namespace ? [`--watch-namespace=${opts.namespace}`] : []),
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'debug', ...opts.env } },
  );
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: text };
    }
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.pred(line)) w.resolve(line);
    }
  });
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolvePromise, reject) => {
      // Each wait takes its exit listener and timer away when it settles, so long files
      // waiting on many lines do not pile listeners up on the child.
      const settle = () => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        clearTimeout(t);
        child.off('exit', onExit);
      };
      const w = {
        pred,
        resolve: (line: Record<string, unknown>) => {
          settle();
          resolvePromise(line);
        },
      };
      waiters.push(w);
      const t = setTimeout(() => {
        settle();
        reject(
          new Error(`no matching controller log line in ${timeoutMs}ms; stderr: ${stderr.slice(-2000)}`),
        );
      }, timeoutMs);
      t.unref();
      const onExit = (code: number | null) => {
        settle();
        reject(new Error(`controller exited (${code}); stderr: ${stderr.slice(-2000)}`));
      };
      child.once('exit', onExit);
    });
  };
  // Generous: on a loaded machine Node alone can take tens of seconds to load the controller.
  const listening = await waitForLog((l) => l.msg === 'probe server listening', 120_000);
  return {
    child,
    probeUrl: String(listening.url),
    logs,
    waitForLog,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolvePromise) => {
        // Already gone (exited, or killed by a signal): 'exit' will not fire again.
        if (child.exitCode !== null || child.signalCode !== null) return resolvePromise(child.exitCode);
        child.once('exit', (code) => resolvePromise(code));
        child.kill(signal);
      }),
  };
}
