// Where a command writes, so tests can run commands in-process and the watch can tell a
// terminal (redraw in place) from a pipe (successive snapshots).

import { stringify } from 'yaml';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C, so a watch or wait ends cleanly. */
  signal: AbortSignal;
}

export function processIo(signal: AbortSignal): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signal };
}

export function formatData(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

export function useColor(out: Output, env: NodeJS.ProcessEnv): boolean {
  return out.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}
