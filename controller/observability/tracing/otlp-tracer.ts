// Sends the spans of commits' traces over OTLP/HTTP with the OpenTelemetry SDK (batching,
// retries, the OTLP encoding and the standard exporter settings are the SDK's, not ours).
// Spans are built as finished records (commit-spans.ts) by reconciles long after some of
// their parents began: each is started and ended at once with its own times, under a parent
// given by ids, and with the id chosen for it when others hang under it.

import { ROOT_CONTEXT, type SpanContext, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../logger.ts';
import type { CommitTracer, TracingOptions } from './commit-tracer.ts';

/** Ids the next span takes when its record names them; random otherwise. */
class ChosenIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  next: { traceId?: string | undefined; spanId?: string | undefined } = {};
  generateTraceId(): string {
    return this.next.traceId ?? this.random.generateTraceId();
  }
  generateSpanId(): string {
    return this.next.spanId ?? this.random.generateSpanId();
  }
}

export function startTracer(options: TracingOptions, log: Logger): CommitTracer {
  const ids = new ChosenIds();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    idGenerator: ids,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: options.url }),
        ...(options.scheduleDelayMs !== undefined ? { scheduledDelayMillis: options.scheduleDelayMs } : {}),
      }),
    ],
  });
  const tracer = provider.getTracer('sluice');
  log.info({ url: options.url, service: options.serviceName }, 'sending traces over OTLP');
  return {
    emit(spans) {
      for (const record of spans) {
        try {
          const parent: SpanContext | undefined = record.parentSpanId
            ? {
                traceId: record.traceId,
                spanId: record.parentSpanId,
                traceFlags: TraceFlags.SAMPLED,
                isRemote: true,
              }
            : undefined;
          const context = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
          ids.next = { traceId: record.traceId, spanId: record.spanId };
          const span = tracer.startSpan(
            record.name,
            { startTime: record.start, attributes: record.attributes },
            context,
          );
          ids.next = {};
          if (record.error !== undefined)
            span.setStatus({ code: SpanStatusCode.ERROR, message: record.error });
          span.end(record.end);
        } catch (err) {
          ids.next = {};
          log.warn({ err: (err as Error).message, span: record.name }, 'span not sent');
        }
      }
    },
    async shutdown() {
      await provider.shutdown().catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'flushing traces failed');
      });
    },
  };
}
