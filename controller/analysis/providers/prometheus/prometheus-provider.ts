// `provider.prometheus` of an AnalysisTemplate metric: one query per measurement, the answer
// converted the way Argo Rollouts converts it (see convert.ts).

import type { MeasureRequest, MeasureResult, MetricProvider } from '../provider.ts';
import { ProviderConfigError } from '../provider-errors.ts';
import { queryPrometheus } from './client.ts';
import { convertResult, PROMETHEUS } from './convert.ts';

/** Argo Rollouts' default when `timeout` is not set. */
const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 30;

export interface PrometheusProviderOptions {
  /** Used when a metric sets no `address` (Argo reads ARGO_ROLLOUTS_PROMETHEUS_ADDRESS for this). */
  defaultAddress?: string;
  defaultTimeoutSeconds?: number;
  maxResponseBytes?: number;
}

export class PrometheusProvider implements MetricProvider {
  readonly type = PROMETHEUS;
  readonly #options: PrometheusProviderOptions;

  constructor(options: PrometheusProviderOptions = {}) {
    this.#options = options;
  }

  async measure(request: MeasureRequest, signal: AbortSignal): Promise<MeasureResult> {
    const spec = request.provider.prometheus;
    if (spec === undefined || spec === null) {
      throw new ProviderConfigError(PROMETHEUS, `metric ${request.metricName} has no prometheus provider`);
    }
    if (typeof spec.query !== 'string') {
      throw new ProviderConfigError(PROMETHEUS, `metric ${request.metricName}: prometheus.query is not set`);
    }
    if (spec.insecure === true) {
      // Global fetch has no per-request switch for certificate checks; failing loudly beats
      // silently verifying and reporting the server as unreachable.
      throw new ProviderConfigError(PROMETHEUS, 'insecure (skipping TLS verification) is not supported');
    }
    if (spec.rangeQuery !== undefined && request.range === undefined) {
      throw new ProviderConfigError(
        PROMETHEUS,
        `metric ${request.metricName}: rangeQuery start/end were not resolved before measuring`,
      );
    }
    const timeoutSeconds =
      spec.timeout ?? this.#options.defaultTimeoutSeconds ?? DEFAULT_PROMETHEUS_TIMEOUT_SECONDS;
    if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      throw new ProviderConfigError(PROMETHEUS, 'timeout must be a positive number of seconds');
    }
    const address =
      spec.address !== undefined && spec.address !== '' ? spec.address : this.#options.defaultAddress;
    if (address === undefined || address === '') {
      throw new ProviderConfigError(
        PROMETHEUS,
        `metric ${request.metricName}: prometheus address is not configured`,
      );
    }

    const answer = await queryPrometheus(
      {
        address,
        query: spec.query,
        time: request.range ? undefined : (request.now ?? new Date()),
        range: request.range,
        timeoutMs: timeoutSeconds * 1000,
        headers: spec.headers,
        credentials: request.credentials,
        maxResponseBytes: this.#options.maxResponseBytes,
      },
      signal,
    );
    const converted = convertResult(answer.resultType, answer.result);

    const metadata: Record<string, string> = {
      ResolvedPrometheusQuery: spec.query,
      resultType: converted.resultType,
    };
    if (converted.seriesCount !== undefined) metadata.seriesCount = String(converted.seriesCount);
    if (answer.warnings.length > 0) {
      // Same format Argo stores: "w1", "w2"
      metadata.warnings = answer.warnings.map((w) => `"${w}"`).join(', ');
    }
    return { value: converted.value, text: converted.text, metadata };
  }
}
