// Where traces go, by the OpenTelemetry SDK's standard variables and one flag that wins over
// them: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the traces URL as is; OTEL_EXPORTER_OTLP_ENDPOINT
// and --otlp-endpoint are the collector's base URL, to which /v1/traces is added. No endpoint
// (or OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none): tracing is off.
// OTEL_BSP_SCHEDULE_DELAY (milliseconds) sets how long spans wait to be sent in a batch.

import type { TracingOptions } from './commit-tracer.ts';

export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

const DEFAULT_SERVICE = 'sluice-controller';

export function tracingConfig(flag: string | undefined, env: NodeJS.ProcessEnv): TracingOptions | undefined {
  const url = endpoint(flag, env);
  if (url === undefined) return undefined;
  const delay = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  const scheduleDelayMs = delay ? Number(delay) : undefined;
  if (scheduleDelayMs !== undefined && !(Number.isInteger(scheduleDelayMs) && scheduleDelayMs >= 0))
    throw new TracingConfigError(`OTEL_BSP_SCHEDULE_DELAY: "${delay}" is not a number of milliseconds`);
  return {
    url,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE,
    ...(scheduleDelayMs !== undefined ? { scheduleDelayMs } : {}),
  };
}

function endpoint(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const base = flag?.trim();
  if (base) return checked(tracesUrl(base), '--otlp-endpoint');
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return checked(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const any = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (any) return checked(tracesUrl(any), 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return undefined;
}

/** The signal path goes after the base URL's own path, as the specification says. */
function tracesUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function checked(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new TracingConfigError(`${what}: "${url}" is not a URL (e.g. http://collector:4318)`, {
      cause: err,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TracingConfigError(`${what}: "${url}" must be an http:// or https:// URL (OTLP over HTTP)`);
  return url;
}
