// Fault injection for end-to-end tests: a controller that is SIGKILLed and started again
// (keeping every incarnation's log lines), and a table of results that the fault files
// print and append to $SLUICE_FAULTS_TABLE for `npm run faults`.

import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ControllerProcess, startController } from './controller-process.ts';

export type LogLine = Record<string, unknown>;

interface ControllerOptions {
  kubeconfig: string;
  namespace?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** One controller process at a time, killed and restarted by the test. */
export class RestartableController {
  readonly opts: ControllerOptions;
  ctl: ControllerProcess | undefined;
  /** Log lines of earlier incarnations; `lines()` adds the current one's. */
  private readonly earlier: LogLine[] = [];
  /** Milliseconds from each restart's spawn to "caches synced". */
  readonly restartMs: number[] = [];
  kills = 0;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
  }

  async start(): Promise<ControllerProcess> {
    const began = Date.now();
    const ctl = await startController(this.opts);
    this.ctl = ctl;
    await ctl.waitForLog((l) => l.msg === 'caches synced', 120_000);
    this.restartMs.push(Date.now() - began);
    return ctl;
  }

  /** SIGKILL now, synchronously: called from a watch handler the moment a state is seen. */
  kill(): void {
    const child = this.ctl?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    this.kills++;
  }

  /** Kills (if still running), waits for the exit and starts a new process. */
  async restart(): Promise<ControllerProcess> {
    const old = this.ctl;
    if (old) {
      this.kill();
      await old.stop('SIGKILL');
      this.earlier.push(...old.logs);
    }
    this.ctl = undefined;
    return this.start();
  }

  /**
   * The next log line (from now on, not one already logged) that matches. Call it before
   * the action that causes the line. Resolves from the readline handler, so whatever the
   * caller does next follows the line at once.
   */
  nextLog(pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const ctl = this.current();
    const before = new Set(ctl.logs);
    return ctl.waitForLog((l) => !before.has(l) && pred(l), timeoutMs);
  }

  /** Kills the current process the moment a new log line matches; resolves with that line. */
  async killOnLog(pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const line = await this.nextLog(pred, timeoutMs);
    this.kill();
    return line;
  }

  current(): ControllerProcess {
    if (!this.ctl) throw new Error('controller not running');
    return this.ctl;
  }

  lines(): LogLine[] {
    return [...this.earlier, ...(this.ctl?.logs ?? [])];
  }

  async stop(): Promise<void> {
    await this.ctl?.stop('SIGTERM');
    // SLUICE_E2E_LOGS=/some/dir keeps every incarnation's log lines for a post-mortem.
    if (process.env.SLUICE_E2E_LOGS) {
      const file = join(process.env.SLUICE_E2E_LOGS, `faults-${this.opts.namespace ?? 'all'}.log`);
      writeFileSync(
        file,
        this.lines()
          .map((l) => JSON.stringify(l))
          .join('\n'),
      );
    }
  }
}

export interface FaultRow {
  scenario: string;
  fault: string;
  result: 'pass' | 'FAIL';
  detail: string;
}

const rows: FaultRow[] = [];

/** Records a row; printed to stderr at once and appended to $SLUICE_FAULTS_TABLE as JSON. */
function record(row: FaultRow): void {
  rows.push(row);
  process.stderr.write(`[faults] ${row.scenario} | ${row.fault} | ${row.result} | ${row.detail}\n`);
  if (process.env.SLUICE_FAULTS_TABLE)
    appendFileSync(process.env.SLUICE_FAULTS_TABLE, `${JSON.stringify(row)}\n`);
}

/** Runs `check` and records its outcome; rethrows so the test fails as usual. */
export async function recorded(scenario: string, fault: string, check: () => Promise<string>): Promise<void> {
  try {
    const detail = await check();
    record({ scenario, fault, result: 'pass', detail });
  } catch (err) {
    record({ scenario, fault, result: 'FAIL', detail: (err as Error).message.split('\n')[0] ?? '' });
    throw err;
  }
}

export function formatTable(list: readonly FaultRow[] = rows): string {
  const header: FaultRow = { scenario: 'scenario', fault: 'fault', result: 'pass', detail: 'detail' };
  const all = [header, ...list];
  const w = (k: keyof FaultRow) => Math.max(...all.map((r) => r[k].length));
  const line = (r: FaultRow) =>
    `| ${r.scenario.padEnd(w('scenario'))} | ${r.fault.padEnd(w('fault'))} | ${(r === header ? 'result' : r.result).padEnd(6)} | ${r.detail} |`;
  return [
    line(header),
    `|${'-'.repeat(w('scenario') + 2)}|${'-'.repeat(w('fault') + 2)}|--------|--------|`,
    ...list.map(line),
  ].join('\n');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Asks for a reconcile now (`gitrepository/repo`), as a push webhook or `kubectl sluice reconcile` does. */
export async function requestReconcile(
  kubectl: (args: string[]) => Promise<string>,
  ns: string,
  target: string,
): Promise<void> {
  await kubectl([
    'annotate',
    '--overwrite',
    '-n',
    ns,
    target,
    `sluice.dev/reconcile-requested-at=${Date.now()}`,
  ]);
}
