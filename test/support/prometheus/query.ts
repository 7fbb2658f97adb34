// The harness' own small Prometheus reader, used to wait for data. It deliberately does not use
// the analysis providers, so a bug there cannot make the harness wait forever or pass falsely.

import { setTimeout as sleep } from 'node:timers/promises';

export interface Sample {
  metric: Record<string, string>;
  /** Unix seconds. */
  timestamp: number;
  value: number;
  /** As Prometheus wrote it, e.g. `0.25`, `NaN`, `+Inf`. */
  raw: string;
}

export interface ActiveTarget {
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  labels: Record<string, string>;
}

interface ApiEnvelope {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
}

async function api(baseUrl: string, path: string, params: Record<string, string> = {}): Promise<unknown> {
  const url = new URL(path, baseUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  let body: ApiEnvelope;
  try {
    body = JSON.parse(text) as ApiEnvelope;
  } catch {
    throw new Error(`${url.pathname}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (body.status !== 'success') {
    throw new Error(`${url.pathname}: ${body.errorType ?? 'error'}: ${body.error ?? text.slice(0, 200)}`);
  }
  return body.data;
}

function toNumber(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/** Instant query; a scalar comes back as one sample without labels. */
export async function instantQuery(baseUrl: string, query: string): Promise<Sample[]> {
  const data = (await api(baseUrl, '/api/v1/query', { query })) as { resultType: string; result: unknown };
  if (data.resultType === 'scalar') {
    const [timestamp, raw] = data.result as [number, string];
    return [{ metric: {}, timestamp, value: toNumber(raw), raw }];
  }
  if (data.resultType !== 'vector') throw new Error(`query returned ${data.resultType}, expected a vector`);
  return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({
    metric: s.metric,
    timestamp: s.value[0],
    value: toNumber(s.value[1]),
    raw: s.value[1],
  }));
}

export async function activeTargets(baseUrl: string): Promise<ActiveTarget[]> {
  const data = (await api(baseUrl, '/api/v1/targets', { state: 'active' })) as {
    activeTargets: ActiveTarget[];
  };
  return data.activeTargets.map((t) => ({
    scrapeUrl: t.scrapeUrl,
    health: t.health,
    lastError: t.lastError,
    labels: t.labels,
  }));
}

/**
 * Polls an instant query until `predicate` accepts the samples (by default: at least one).
 * Query errors while polling (server restarting, series not yet known) are retried; the last
 * one is reported if time runs out.
 */
export async function waitForSeries(
  baseUrl: string,
  query: string,
  predicate: (samples: Sample[]) => boolean = (samples) => samples.length > 0,
  timeoutMs = 30_000,
  intervalMs = 250,
): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const samples = await instantQuery(baseUrl, query);
      if (predicate(samples)) return samples;
      last = `last result: ${JSON.stringify(samples.map((s) => ({ ...s.metric, value: s.raw })))}`;
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`waitForSeries(${query}) timed out after ${timeoutMs}ms; ${last.slice(0, 1000)}`);
    }
    await sleep(intervalMs);
  }
}
