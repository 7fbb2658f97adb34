// What reconcilers are given to trace commits with. Kept apart from the SDK (otlp-tracer.ts),
// which is loaded only when an endpoint is configured: with tracing off nothing of it runs.

import type { SpanRecord } from './commit-trace.ts';

export interface CommitTracer {
  /** Never throws and never waits: spans are batched and sent in the background. */
  emit(spans: readonly SpanRecord[]): void;
  /** Sends what is batched; bounded by the exporter's timeout. */
  shutdown(): Promise<void>;
}

/** Tracing off: no SDK, no exporter, no work. */
export const NO_TRACER: CommitTracer = {
  emit() {},
  async shutdown() {},
};

export interface TracingOptions {
  /** The OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. */
  url: string;
  serviceName: string;
  /** How long spans wait to be sent in a batch (OTEL_BSP_SCHEDULE_DELAY); the SDK's default otherwise. */
  scheduleDelayMs?: number | undefined;
}
