// Picks the provider for a metric's `provider` field. Exactly one key must be set; Argo
// providers Sluice does not implement (datadog, newrelic, …) are named in the error so a migrated
// template fails with a message that says what to change.

import type { ObjectApi } from '../../kube/objects.ts';
import { JobProvider } from './job/job-provider.ts';
import { PrometheusProvider, type PrometheusProviderOptions } from './prometheus/prometheus-provider.ts';
import type { MeasureRequest, MeasureResult, MetricProvider, MetricProviderSpec } from './provider.ts';
import { ProviderConfigError, UnsupportedProviderError } from './provider-errors.ts';
import { WebProvider, type WebProviderOptions } from './web/web-provider.ts';

type ProviderKey = 'prometheus' | 'web' | 'job';
const SUPPORTED_PROVIDERS: readonly ProviderKey[] = ['prometheus', 'web', 'job'];

interface ProviderRegistryOptions {
  prometheus?: PrometheusProviderOptions;
  web?: WebProviderOptions;
  /** The cluster the job provider creates its Jobs in; without it, job metrics measure Error. */
  api?: ObjectApi;
  /** Replaces a built-in provider, e.g. with a fake in a unit test of the analysis engine. */
  overrides?: Partial<Record<ProviderKey, MetricProvider>>;
}

export interface ProviderRegistry {
  /** Throws `ProviderConfigError` (or `UnsupportedProviderError`) when the spec is unusable. */
  providerFor(spec: MetricProviderSpec): MetricProvider;
  /** `providerFor(request.provider).measure(request, signal)`, with spec errors as rejections. */
  measure(request: MeasureRequest, signal: AbortSignal): Promise<MeasureResult>;
}

/** Which provider a spec names; keys set to null or undefined do not count. */
export function providerKeyOf(spec: MetricProviderSpec | null | undefined): ProviderKey {
  if (spec === null || spec === undefined || typeof spec !== 'object') {
    throw new ProviderConfigError('unknown', 'metric has no provider');
  }
  const keys = Object.keys(spec).filter((key) => spec[key] !== undefined && spec[key] !== null);
  if (keys.length === 0) throw new ProviderConfigError('unknown', 'metric has no provider');
  if (keys.length > 1) {
    throw new ProviderConfigError(
      'unknown',
      `metric names ${keys.length} providers (${keys.join(', ')}); exactly one is allowed`,
    );
  }
  const key = keys[0] ?? '';
  if ((SUPPORTED_PROVIDERS as readonly string[]).includes(key)) return key as ProviderKey;
  throw new UnsupportedProviderError(key, SUPPORTED_PROVIDERS);
}

export function createProviderRegistry(options: ProviderRegistryOptions = {}): ProviderRegistry {
  const providers: Record<ProviderKey, MetricProvider> = {
    prometheus: options.overrides?.prometheus ?? new PrometheusProvider(options.prometheus),
    web: options.overrides?.web ?? new WebProvider(options.web),
    job: options.overrides?.job ?? new JobProvider(options.api),
  };
  const providerFor = (spec: MetricProviderSpec): MetricProvider => providers[providerKeyOf(spec)];
  return {
    providerFor,
    async measure(request, signal) {
      return providerFor(request.provider).measure(request, signal);
    },
  };
}
