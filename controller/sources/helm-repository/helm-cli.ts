import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { redactCredentials } from '../../observability/redact.ts';

const run = promisify(execFile);

/** helm exited non-zero; the message is the end of what it printed, credentials scrubbed. */
export class HelmCommandError extends Error {
  override readonly name = 'HelmCommandError';
}

/**
 * Runs `helm` with only the environment given (a Helm home from helm-home.ts and PATH), so
 * nothing of the controller's own environment leaks in. Secrets reach helm through files or
 * stdin, never `args`.
 */
export async function runHelm(
  binary: string,
  args: readonly string[],
  opts: { env: Record<string, string>; timeoutMs: number; stdin?: string },
): Promise<{ stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env };
  try {
    const child = run(binary, [...args], { env, timeout: opts.timeoutMs, maxBuffer: 16 << 20 });
    if (opts.stdin !== undefined) child.child.stdin?.end(opts.stdin);
    return await child;
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string | number; killed?: boolean };
    if (e.code === 'ENOENT')
      throw new HelmCommandError(`helm is not installed (looked for ${binary})`, { cause: err });
    if (e.killed)
      throw new HelmCommandError(`helm ${args[0]} timed out after ${opts.timeoutMs}ms`, { cause: err });
    const said = (e.stderr ?? e.message).trim().split('\n').slice(-3).join('; ');
    throw new HelmCommandError(redactCredentials(`helm ${args.slice(0, 2).join(' ')}: ${said}`), {
      cause: err,
    });
  }
}
