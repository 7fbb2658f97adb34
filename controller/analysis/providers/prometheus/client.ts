// A minimal client for Prometheus' HTTP query API (`/api/v1/query`, `/api/v1/query_range`).
// Queries go in a form-encoded POST body, as the official Go client does, so long PromQL does
// not hit URL length limits and does not end up in proxy access logs.

import { buildHeaders, DEFAULT_MAX_RESPONSE_BYTES, displayUrl, exchange, parseHttpUrl } from '../http.ts';
import type { HeaderSpec, ProviderCredentials, ResolvedRange } from '../provider.ts';
import { ProviderConfigError } from '../provider-errors.ts';
import { PROMETHEUS } from './convert.ts';
import { interpretPrometheusAnswer, type PrometheusData } from './response.ts';

interface PrometheusQueryOptions {
  address: string;
  query: string;
  /** Evaluation time of an instant query; Prometheus' "now" when omitted. */
  time?: Date;
  /** When set, a range query (`query_range`) is made instead of an instant one. */
  range?: ResolvedRange;
  timeoutMs: number;
  headers?: readonly HeaderSpec[];
  credentials?: ProviderCredentials;
  maxResponseBytes?: number;
}

interface PrometheusQueryAnswer extends PrometheusData {
  /** The endpoint asked, safe to show (no credentials, no query string). */
  endpoint: string;
}

const DURATION = /^(?:\d+(?:\.\d+)?|(?:\d+(?:ms|s|m|h|d|w|y))+)$/;

export async function queryPrometheus(
  options: PrometheusQueryOptions,
  signal: AbortSignal,
): Promise<PrometheusQueryAnswer> {
  if (options.query.trim() === '') throw new ProviderConfigError(PROMETHEUS, 'query is empty');
  const url = parseHttpUrl(PROMETHEUS, options.address, 'address');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/${options.range ? 'query_range' : 'query'}`;

  const form = new URLSearchParams({ query: options.query });
  if (options.range) {
    const { start, end, step } = validateRange(options.range);
    form.set('start', unixSeconds(start));
    form.set('end', unixSeconds(end));
    form.set('step', step);
  } else if (options.time) {
    form.set('time', unixSeconds(options.time));
  }
  // Lets Prometheus stop evaluating once we have given up waiting.
  form.set('timeout', String(options.timeoutMs / 1000));

  const { headers, secrets } = buildHeaders(PROMETHEUS, options.headers, options.credentials);
  headers.set('content-type', 'application/x-www-form-urlencoded');
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  if (!headers.has('user-agent')) headers.set('user-agent', 'sluice-analysis');

  const where = displayUrl(url);
  const answer = await exchange(
    {
      provider: PROMETHEUS,
      url,
      method: 'POST',
      headers,
      body: form.toString(),
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      secrets,
    },
    signal,
  );
  return { ...interpretPrometheusAnswer(answer, where, secrets), endpoint: where };
}

function validateRange(range: ResolvedRange): { start: Date; end: Date; step: string } {
  const { start, end } = range;
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
    throw new ProviderConfigError(PROMETHEUS, 'rangeQuery start or end is not a valid time');
  }
  if (start.getTime() > end.getTime()) {
    throw new ProviderConfigError(PROMETHEUS, 'rangeQuery start is after its end');
  }
  let step: string;
  if (typeof range.step === 'number') {
    if (!Number.isFinite(range.step) || range.step <= 0) {
      throw new ProviderConfigError(PROMETHEUS, 'rangeQuery step must be a positive number of seconds');
    }
    step = String(range.step);
  } else {
    step = range.step.trim();
    if (!DURATION.test(step) || /^0+(?:\.0+)?$/.test(step)) {
      throw new ProviderConfigError(
        PROMETHEUS,
        `rangeQuery step '${step}' is not a positive duration like 30s or 1m`,
      );
    }
  }
  return { start, end, step };
}

function unixSeconds(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new ProviderConfigError(PROMETHEUS, 'evaluation time is not valid');
  return (date.getTime() / 1000).toFixed(3);
}
