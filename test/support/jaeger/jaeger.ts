// A real Jaeger (the all-in-one `jaeger` binary, built from its Go module at a pinned release
// by test/control-plane/build.sh) on loopback: memory storage, the OTLP/HTTP receiver, and the
// query service's HTTP API that the tests read traces from. Every port is a free one, so
// several suites and checkouts never collide.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, spawnServer, waitForTcp } from '../git/process.ts';

/** A span as Jaeger's query API (/api/traces) returns it. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: { key: string; type: string; value: unknown }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
}

export interface Jaeger {
  /** Base URL for OTLP/HTTP (`/v1/traces` is added by the exporter), as OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly otlpEndpoint: string;
  /** The query service (UI and HTTP API). */
  readonly queryUrl: string;
  /** GET /api/traces?service=…: the traces of a service, every span of each. */
  traces(service: string): Promise<JaegerTrace[]>;
  /** GET /api/traces/<id>; undefined when Jaeger has no such trace. */
  trace(traceID: string): Promise<JaegerTrace | undefined>;
  output(): string;
  stop(): Promise<void>;
}

/** Only what the tests use: no other receivers, no metrics endpoint, no sampling server. */
const config = (p: { otlp: number; http: number; grpc: number }) => `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    # Spans of one process: never shift them to fit their parents.
    max_clock_skew_adjust: 0s
    http:
      endpoint: 127.0.0.1:${p.http}
    grpc:
      endpoint: 127.0.0.1:${p.grpc}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${p.otlp}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;

export async function startJaeger(binDir: string): Promise<Jaeger> {
  const binary = join(binDir, 'jaeger');
  if (!existsSync(binary)) {
    throw new Error(
      `jaeger not found at ${binary}; run test/prepare.sh (test/control-plane/build.sh builds it)`,
    );
  }
  const root = await mkdtemp(join(tmpdir(), 'sluice-jaeger-'));
  const ports = { otlp: await findFreePort(), http: await findFreePort(), grpc: await findFreePort() };
  await writeFile(join(root, 'config.yaml'), config(ports));
  const proc = spawnServer('jaeger', binary, [`--config=${join(root, 'config.yaml')}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root },
    cwd: root,
  });
  const stop = async () => {
    await proc.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    await waitForTcp(proc, ports.otlp, { timeoutMs: 60_000 });
    await waitForTcp(proc, ports.http, { timeoutMs: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  const queryUrl = `http://127.0.0.1:${ports.http}`;
  const get = async (path: string) => {
    const res = await fetch(`${queryUrl}${path}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`jaeger ${path} answered ${res.status}: ${await res.text()}`);
    // Jaeger prints a trace id as a number: without the leading zeros W3C keeps.
    return ((await res.json()) as { data: JaegerTrace[] }).data.map((t) => ({
      ...t,
      traceID: t.traceID.padStart(32, '0'),
    }));
  };
  return {
    otlpEndpoint: `http://127.0.0.1:${ports.otlp}`,
    queryUrl,
    async traces(service) {
      return (await get(`/api/traces?service=${encodeURIComponent(service)}&limit=100&lookback=1h`)) ?? [];
    },
    async trace(traceID) {
      return (await get(`/api/traces/${traceID}`))?.[0];
    },
    output: () => proc.output(),
    stop,
  };
}

/** A span's tag value, as Jaeger shows an OTLP attribute (or the span status as `error`/`otel.status_code`). */
export function tagOf(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}
