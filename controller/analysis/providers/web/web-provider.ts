// `provider.web` of an AnalysisTemplate metric: call an HTTP(S) endpoint that answers JSON and
// select the measured value with a JSONPath, following Argo Rollouts' web metric.

import {
  buildHeaders,
  DEFAULT_MAX_RESPONSE_BYTES,
  displayUrl,
  exchange,
  looksLikeHtml,
  parseHttpUrl,
  snippet,
} from '../http.ts';
import type {
  MeasureRequest,
  MeasureResult,
  MetricProvider,
  MetricValue,
  WebMetricSpec,
} from '../provider.ts';
import { ProviderBadResponseError, ProviderConfigError } from '../provider-errors.ts';
import { evaluateJsonPath, type JsonPath, JsonPathError, parseJsonPath } from './json-path.ts';

const WEB = 'Web';
/** Argo Rollouts' default when `timeoutSeconds` is not set. */
const DEFAULT_WEB_TIMEOUT_SECONDS = 10;
const METHODS = new Set(['GET', 'POST', 'PUT']);

export interface WebProviderOptions {
  maxResponseBytes?: number;
}

export class WebProvider implements MetricProvider {
  readonly type = WEB;
  readonly #options: WebProviderOptions;

  constructor(options: WebProviderOptions = {}) {
    this.#options = options;
  }

  async measure(request: MeasureRequest, signal: AbortSignal): Promise<MeasureResult> {
    const spec = request.provider.web;
    if (spec === undefined || spec === null) {
      throw new ProviderConfigError(WEB, `metric ${request.metricName} has no web provider`);
    }
    const prepared = prepare(spec, request);
    const answer = await exchange(
      { ...prepared, provider: WEB, maxBytes: this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES },
      signal,
    );
    const where = displayUrl(prepared.url);
    const metadata = { url: where };

    if (answer.status < 200 || answer.status >= 300) {
      throw new ProviderBadResponseError(
        WEB,
        `${where} answered HTTP ${answer.status}: ${snippet(answer.body, prepared.secrets) || '(empty body)'}`,
        'http-status',
        answer.status,
      );
    }
    if (looksLikeHtml(answer.contentType, answer.body)) {
      throw new ProviderBadResponseError(
        WEB,
        `${where} answered with an HTML page instead of JSON: ${snippet(answer.body, prepared.secrets)}`,
        'html',
        answer.status,
      );
    }
    let document: unknown;
    try {
      document = JSON.parse(answer.body);
    } catch {
      // Argo returns a non-JSON body as a plain string; keep that for text/plain without a jsonPath.
      if (spec.jsonPath === undefined && /^text\/plain\b/i.test(answer.contentType)) {
        return { value: answer.body, text: answer.body, metadata };
      }
      throw new ProviderBadResponseError(
        WEB,
        `${where} answered with a body that is not JSON: ${snippet(answer.body, prepared.secrets) || '(empty body)'}`,
        'not-json',
        answer.status,
      );
    }
    const selected = evaluateJsonPath(prepared.path, document);
    if (!selected.found) {
      throw new ProviderBadResponseError(
        WEB,
        `jsonPath ${prepared.path.source} selected nothing in the answer from ${where}`,
        'path-not-found',
        answer.status,
      );
    }
    // JSON.parse only produces values of the MetricValue shape.
    const value = selected.value as MetricValue;
    return { value, text: JSON.stringify(value), metadata };
  }
}

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body?: string;
  timeoutMs: number;
  secrets: string[];
  path: JsonPath;
}

function prepare(spec: WebMetricSpec, request: MeasureRequest): PreparedRequest {
  const url = parseHttpUrl(WEB, spec.url, 'url');
  const method = (spec.method ?? 'GET').toUpperCase();
  if (!METHODS.has(method)) {
    throw new ProviderConfigError(WEB, `method ${method} is not one of GET, POST, PUT`);
  }
  if (spec.insecure === true) {
    throw new ProviderConfigError(WEB, 'insecure (skipping TLS verification) is not supported');
  }
  const hasBody = spec.body !== undefined && spec.body !== '';
  const hasJsonBody = spec.jsonBody !== undefined && spec.jsonBody !== null;
  if (hasBody && hasJsonBody) throw new ProviderConfigError(WEB, 'use either body or jsonBody, not both');
  if ((hasBody || hasJsonBody) && method === 'GET') {
    throw new ProviderConfigError(WEB, 'body and jsonBody can only be used with POST or PUT');
  }
  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_WEB_TIMEOUT_SECONDS;
  if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new ProviderConfigError(WEB, 'timeoutSeconds must be a positive number');
  }
  let path: JsonPath;
  try {
    path = parseJsonPath(spec.jsonPath ?? '{$}');
  } catch (error) {
    if (error instanceof JsonPathError) throw new ProviderConfigError(WEB, error.message, { cause: error });
    throw error;
  }
  const { headers, secrets } = buildHeaders(WEB, spec.headers, request.credentials);
  let body: string | undefined;
  if (hasJsonBody) {
    body = JSON.stringify(spec.jsonBody);
    headers.set('content-type', 'application/json');
  } else if (hasBody) {
    body = spec.body;
  }
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  if (!headers.has('user-agent')) headers.set('user-agent', 'sluice-analysis');
  return { url, method, headers, body, timeoutMs: timeoutSeconds * 1000, secrets, path };
}
