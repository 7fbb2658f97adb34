// Talks to chart repositories: fetches an index.yaml over HTTP(S), or checks that an OCI
// registry answers and takes the credentials. Errors say which URL answered what.

import { StallingError, TransientError } from '../../runtime/reconcile-errors.ts';
import { HelmCommandError, runHelm } from './helm-cli.ts';
import type { BasicAuth } from './helm-home.ts';
import { helmHome } from './helm-home.ts';

/** Large public indexes (bitnami's was ~20 MiB before it was split) stay well under this. */
const MAX_INDEX_BYTES = 64 << 20;

/** The index.yaml URL of a repository URL, as Helm builds it. */
function indexUrl(url: string): string {
  return `${url.replace(/\/+$/, '')}/index.yaml`;
}

function basicHeader(auth: BasicAuth | undefined): Record<string, string> {
  if (!auth) return {};
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

/** An HTTP answer that is not a success: 401 and 403 need a person, 404 too; 5xx and 429 pass. */
function httpFailure(status: number, statusText: string, url: string): Error {
  const message = `HTTP ${status} ${statusText} from ${url}`.trim();
  if (status === 401 || status === 403)
    return new StallingError('AuthenticationFailed', message, { retryAfterMs: 60_000 });
  if (status === 404) return new StallingError('IndexationFailed', message, { retryAfterMs: 60_000 });
  return new TransientError('IndexationFailed', message);
}

/** Network trouble (refused, reset, timed out) is retried. */
function networkFailure(err: unknown, url: string): Error {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new TransientError('IndexationFailed', `fetching ${url}: ${why}`, { cause: err });
}

/** Fetches a repository's index.yaml text. */
export async function fetchIndex(
  url: string,
  auth: BasicAuth | undefined,
  timeoutMs: number,
): Promise<string> {
  const target = indexUrl(url);
  let res: Response;
  try {
    res = await fetch(target, {
      headers: basicHeader(auth),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
    });
  } catch (err) {
    throw networkFailure(err, target);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw httpFailure(res.status, res.statusText, target);
  }
  const size = Number(res.headers.get('content-length') ?? 0);
  if (size > MAX_INDEX_BYTES) {
    await res.body?.cancel();
    throw new StallingError(
      'IndexationFailed',
      `${target} is ${size} bytes, over the ${MAX_INDEX_BYTES} limit`,
    );
  }
  const text = await res.text();
  if (text.length > MAX_INDEX_BYTES)
    throw new StallingError('IndexationFailed', `${target} is over the ${MAX_INDEX_BYTES} byte limit`);
  return text;
}

/** `host[:port]` of an oci:// URL. */
export function registryHost(url: string): string {
  return new URL(url.replace(/^oci:/, 'http:')).host;
}

/**
 * An OCI registry has no index: check that it answers (`/v2/`) and, with credentials,
 * that it takes them (`helm registry login`, which also knows token-based registries).
 */
export async function checkRegistry(opts: {
  helm: string;
  url: string;
  auth: BasicAuth | undefined;
  insecure: boolean;
  timeoutMs: number;
}): Promise<void> {
  const host = registryHost(opts.url);
  if (!opts.auth) {
    const target = `${opts.insecure ? 'http' : 'https'}://${host}/v2/`;
    try {
      const res = await fetch(target, { signal: AbortSignal.timeout(opts.timeoutMs) });
      await res.body?.cancel();
      // 401 is an answer too: anonymous pulls may still be allowed per repository.
      if (res.status >= 500) throw httpFailure(res.status, res.statusText, target);
    } catch (err) {
      if (err instanceof TransientError) throw err;
      throw networkFailure(err, target);
    }
    return;
  }
  const home = await helmHome();
  try {
    await runHelm(
      opts.helm,
      [
        'registry',
        'login',
        host,
        '--username',
        opts.auth.username,
        '--password-stdin',
        ...(opts.insecure ? ['--plain-http'] : []),
      ],
      { env: home.env, timeoutMs: opts.timeoutMs, stdin: opts.auth.password },
    );
  } catch (err) {
    throw classifyHelmError(err);
  } finally {
    await home.cleanup();
  }
}

const AUTH_FAILURE = /\b401\b|\b403\b|unauthorized|denied|authentication required/i;
const NOT_FOUND =
  /\b404\b|not found|no chart version|no such|invalid_reference|name unknown|manifest unknown/i;

/** helm's failures: credentials and missing charts need a person, the rest is retried. */
export function classifyHelmError(err: unknown): Error {
  if (err instanceof StallingError || err instanceof TransientError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof HelmCommandError && AUTH_FAILURE.test(message))
    return new StallingError('AuthenticationFailed', message, { cause: err, retryAfterMs: 60_000 });
  if (err instanceof HelmCommandError && NOT_FOUND.test(message))
    return new StallingError('ChartPullFailed', message, { cause: err, retryAfterMs: 60_000 });
  return new TransientError('ChartPullFailed', message, { cause: err });
}
