// One HTTP exchange for a provider: global fetch, a hard deadline, a cap on the body size, and
// failures mapped to typed provider errors whose messages never carry credentials.

import type { HeaderSpec, ProviderCredentials } from './provider.ts';
import {
  ProviderAbortedError,
  ProviderBadResponseError,
  ProviderConfigError,
  ProviderTimeoutError,
  ProviderUnreachableError,
} from './provider-errors.ts';

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

interface HttpExchange {
  /** Provider type for messages, e.g. `Prometheus`. */
  provider: string;
  url: URL;
  method: string;
  headers: Headers;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Values to scrub from anything that ends up in an error message. */
  secrets: readonly string[];
}

interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Parses a provider address; credentials in the URL are refused so they cannot leak into messages. */
export function parseHttpUrl(provider: string, raw: string | undefined, field: string): URL {
  if (raw === undefined || raw.trim() === '') {
    throw new ProviderConfigError(provider, `${field} is not set`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ProviderConfigError(provider, `${field} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderConfigError(provider, `${field} must be an http or https URL, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ProviderConfigError(provider, `${field} must not contain credentials; use the auth Secret`);
  }
  return url;
}

/** The part of a URL that is safe to show: no query string (API keys live there), no fragment. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const SENSITIVE_HEADER = /auth|token|key|secret|cookie|pass/i;

/** Builds request headers; returns the header values and credentials that must be scrubbed from messages. */
export function buildHeaders(
  provider: string,
  specHeaders: readonly HeaderSpec[] | undefined,
  credentials: ProviderCredentials | undefined,
): { headers: Headers; secrets: string[] } {
  const headers = new Headers();
  const secrets: string[] = [];
  for (const [index, header] of (specHeaders ?? []).entries()) {
    try {
      headers.set(header.key, header.value);
    } catch {
      // The value is not echoed: it may be a token.
      throw new ProviderConfigError(provider, `headers[${index}] has an invalid name or value`);
    }
    if (SENSITIVE_HEADER.test(header.key)) secrets.push(header.value);
  }
  if (credentials?.kind === 'basic') {
    const encoded = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    headers.set('authorization', `Basic ${encoded}`);
    secrets.push(credentials.password, encoded);
  } else if (credentials?.kind === 'bearer') {
    if (/[\r\n]/.test(credentials.token)) {
      throw new ProviderConfigError(provider, 'bearer token contains a line break');
    }
    headers.set('authorization', `Bearer ${credentials.token}`);
    secrets.push(credentials.token);
  }
  return { headers, secrets };
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words and protect nothing.
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** A short, single-line excerpt of a body for error messages. */
export function snippet(body: string, secrets: readonly string[], max = 200): string {
  const flat = redact(body, secrets).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Proxies and UIs answer with HTML where an API is expected; say so rather than "not JSON". */
export function looksLikeHtml(contentType: string, body: string): boolean {
  if (/\btext\/html\b|\bapplication\/xhtml\+xml\b/i.test(contentType)) return true;
  return /^\s*(?:<!doctype html|<html|<head|<body|<\?xml)/i.test(body);
}

export async function exchange(request: HttpExchange, signal: AbortSignal): Promise<HttpAnswer> {
  const where = displayUrl(request.url);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const combined = AbortSignal.any([signal, deadline]);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: combined,
    });
  } catch (error) {
    throw classifyFailure(request, where, 'request', error, signal, deadline);
  }
  const contentType = response.headers.get('content-type') ?? '';
  try {
    const body = await readCapped(response, request, where);
    return { status: response.status, contentType, body };
  } catch (error) {
    if (error instanceof ProviderBadResponseError) throw error;
    throw classifyFailure(request, where, 'body', error, signal, deadline);
  }
}

async function readCapped(response: Response, request: HttpExchange, where: string): Promise<string> {
  const tooLarge = () =>
    new ProviderBadResponseError(
      request.provider,
      `${request.provider} at ${where} answered with more than ${request.maxBytes} bytes (HTTP ${response.status})`,
      'too-large',
      response.status,
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > request.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > request.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, total));
}

function classifyFailure(
  request: HttpExchange,
  where: string,
  phase: 'request' | 'body',
  error: unknown,
  callerSignal: AbortSignal,
  deadline: AbortSignal,
): Error {
  const { provider } = request;
  if (callerSignal.aborted) {
    return new ProviderAbortedError(provider, `measurement from ${provider} at ${where} was cancelled`, {
      cause: callerSignal.reason,
    });
  }
  if (deadline.aborted) {
    const seconds = request.timeoutMs / 1000;
    return new ProviderTimeoutError(
      provider,
      `${provider} at ${where} did not answer within ${seconds}s`,
      request.timeoutMs,
      { cause: error },
    );
  }
  const code = errorCode(error);
  const detail = redact(describeCause(error), request.secrets);
  return new ProviderUnreachableError(
    provider,
    phase === 'request'
      ? `${provider} at ${where} is unreachable: ${detail}`
      : `${provider} at ${where} dropped the connection while sending its answer: ${detail}`,
    code,
    { cause: error },
  );
}

/** undici wraps the system error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.message !== '' && current.message !== 'fetch failed') parts.push(current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : 'connection failed';
}
