// Classifies what came back from a Prometheus API call before any value is read from it.
// Proxies in front of Prometheus answer with HTML login pages, 502 pages or plain text; those
// must become a clear bad-response error, and Prometheus' own `status: "error"` a query error.

import { looksLikeHtml, redact, snippet } from '../http.ts';
import { ProviderBadResponseError, ProviderQueryError } from '../provider-errors.ts';
import { isRecord, PROMETHEUS } from './convert.ts';

interface PrometheusAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface PrometheusData {
  resultType: unknown;
  result: unknown;
  warnings: string[];
}

export function interpretPrometheusAnswer(
  answer: PrometheusAnswer,
  where: string,
  secrets: readonly string[] = [],
): PrometheusData {
  const ok = answer.status >= 200 && answer.status < 300;
  const html = looksLikeHtml(answer.contentType, answer.body);
  const parsed = html ? undefined : parseJson(answer.body);

  // Prometheus reports query errors with 4xx/5xx and a JSON envelope; honour it whatever the status.
  if (isRecord(parsed) && parsed.status === 'error') {
    const errorType = typeof parsed.errorType === 'string' ? parsed.errorType : 'unknown';
    const error = typeof parsed.error === 'string' ? redact(parsed.error, secrets) : 'no error message given';
    throw new ProviderQueryError(PROMETHEUS, errorType, error, answer.status);
  }
  if (!ok) {
    const kind = html
      ? 'an HTML page'
      : parsed === undefined
        ? 'a non-JSON body'
        : 'JSON that is not a Prometheus answer';
    throw new ProviderBadResponseError(
      PROMETHEUS,
      `Prometheus at ${where} answered HTTP ${answer.status} with ${kind}: ${snippet(answer.body, secrets) || '(empty body)'}`,
      'http-status',
      answer.status,
    );
  }
  if (html) {
    throw new ProviderBadResponseError(
      PROMETHEUS,
      `Prometheus at ${where} answered with an HTML page instead of JSON (is the address the Prometheus API, not a UI or login proxy?): ${snippet(answer.body, secrets)}`,
      'html',
      answer.status,
    );
  }
  if (parsed === undefined) {
    throw new ProviderBadResponseError(
      PROMETHEUS,
      `Prometheus at ${where} answered with a body that is not JSON: ${snippet(answer.body, secrets) || '(empty body)'}`,
      'not-json',
      answer.status,
    );
  }
  if (!isRecord(parsed) || parsed.status !== 'success' || !isRecord(parsed.data)) {
    throw new ProviderBadResponseError(
      PROMETHEUS,
      `Prometheus at ${where} answered with JSON that is not a Prometheus API answer: ${snippet(answer.body, secrets)}`,
      'unexpected-shape',
      answer.status,
    );
  }
  const warnings = Array.isArray(parsed.warnings)
    ? parsed.warnings.filter((w): w is string => typeof w === 'string')
    : [];
  return { resultType: parsed.data.resultType, result: parsed.data.result, warnings };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    // The parser's message quotes the body; the caller builds its own, scrubbed excerpt.
    return undefined;
  }
}
