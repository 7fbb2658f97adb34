// A stand-in for a real service behind a Rollout: it counts requests and latencies the way an
// instrumented app does, generates its own steady traffic so the series move without a load
// generator, and lets a test dial in an error rate and a latency while it runs.
//
//   GET  /metrics          Prometheus text format (its own prom-client Registry)
//   GET  /healthz          200 ok
//   GET  /control, /status JSON status: name, version, behaviour, request counts
//   POST /control          JSON {errorRate?, latencyMs?, rps?} → new status; 400 on bad input
//   any other GET          an "application" request, answered per the current behaviour

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Behaviour {
  /** Fraction of requests answered 500, 0..1. Applied exactly (every 4th request at 0.25), not randomly. */
  errorRate: number;
  /** Added to every request before it is answered. */
  latencyMs: number;
  /** Synthetic requests per second generated inside the app; 0 stops them. */
  rps: number;
}

interface MetricsAppOptions {
  /** Becomes the `app` label of every series. */
  name: string;
  /** Becomes the `version` label of every series, so canary and stable can be told apart. */
  version?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  behaviour?: Partial<Behaviour>;
}

export interface MetricsAppStatus {
  name: string;
  version: string;
  behaviour: Behaviour;
  requests: { total: number; errors: number; errorRate: number };
  uptimeSeconds: number;
}

export interface MetricsApp {
  url: string;
  port: number;
  /** `host:port`, the form Prometheus wants in static_configs. */
  target: string;
  name: string;
  version: string;
  behaviour(): Behaviour;
  /** Validates and applies a change; throws RangeError on bad values. */
  setBehaviour(change: Partial<Behaviour>): Behaviour;
  status(): MetricsAppStatus;
  /** Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: Behaviour = { errorRate: 0, latencyMs: 0, rps: 20 };
const TICK_MS = 100;
const MAX_CONTROL_BODY = 64 * 1024;
const LIMITS: Record<keyof Behaviour, [number, number]> = {
  errorRate: [0, 1],
  latencyMs: [0, 60_000],
  rps: [0, 1_000],
};

/** Checks a behaviour change from a test or from POST /control; unknown keys are errors (typos). */
function validateBehaviourChange(change: unknown): Partial<Behaviour> {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    throw new RangeError('behaviour must be a JSON object');
  }
  const out: Partial<Behaviour> = {};
  for (const [key, value] of Object.entries(change)) {
    if (!Object.hasOwn(LIMITS, key)) throw new RangeError(`unknown behaviour field '${key}'`);
    const field = key as keyof Behaviour;
    const [min, max] = LIMITS[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`${field} must be a number from ${min} to ${max}`);
    }
    out[field] = value;
  }
  return out;
}

export async function startMetricsApp(options: MetricsAppOptions): Promise<MetricsApp> {
  const name = options.name;
  const version = options.version ?? 'v1';
  let behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR, ...validateBehaviourChange(options.behaviour ?? {}) };
  const startedAt = Date.now();

  const registry = new Registry();
  registry.setDefaultLabels({ app: name, version });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests handled, by status code.',
    labelNames: ['code', 'method'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request.',
    labelNames: ['code', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const configuredErrorRate = new Gauge({
    name: 'app_behaviour_error_rate',
    help: 'Error rate the app was told to produce.',
    registers: [registry],
  });
  const configuredLatency = new Gauge({
    name: 'app_behaviour_latency_seconds',
    help: 'Latency the app was told to add.',
    registers: [registry],
  });
  const publishBehaviour = () => {
    configuredErrorRate.set(behaviour.errorRate);
    configuredLatency.set(behaviour.latencyMs / 1000);
  };
  publishBehaviour();

  let total = 0;
  let errors = 0;
  // Deterministic error injection: the fraction is exact over any window, so tests can
  // assert tightly on rates without sampling noise.
  let errorDebt = 0;

  const handle = async (method: string): Promise<number> => {
    const began = performance.now();
    if (behaviour.latencyMs > 0) await sleep(behaviour.latencyMs, undefined, { ref: false });
    errorDebt += behaviour.errorRate;
    let code = 200;
    if (errorDebt >= 1 - 1e-9) {
      errorDebt -= 1;
      code = 500;
    }
    total++;
    if (code >= 500) errors++;
    const labels = { code: String(code), method };
    requests.inc(labels);
    duration.observe(labels, (performance.now() - began) / 1000);
    return code;
  };

  let carry = 0;
  const traffic = setInterval(() => {
    carry += (behaviour.rps * TICK_MS) / 1000;
    const due = Math.floor(carry);
    carry -= due;
    for (let i = 0; i < due; i++) void handle('GET');
  }, TICK_MS);
  traffic.unref();

  const status = (): MetricsAppStatus => ({
    name,
    version,
    behaviour: { ...behaviour },
    requests: { total, errors, errorRate: total === 0 ? 0 : errors / total },
    uptimeSeconds: (Date.now() - startedAt) / 1000,
  });
  const setBehaviour = (change: Partial<Behaviour>): Behaviour => {
    behaviour = { ...behaviour, ...validateBehaviourChange(change) };
    publishBehaviour();
    return { ...behaviour };
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const json = (code: number, body: unknown) =>
      res.writeHead(code, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.method === 'GET' && (path === '/control' || path === '/status')) {
      json(200, status());
    } else if (req.method === 'POST' && path === '/control') {
      readBody(req, MAX_CONTROL_BODY).then(
        (text) => {
          try {
            setBehaviour(validateBehaviourChange(JSON.parse(text) as unknown));
            json(200, status());
          } catch (error) {
            json(400, { error: error instanceof Error ? error.message : String(error) });
          }
        },
        (error: unknown) => json(413, { error: String(error) }),
      );
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      handle(req.method).then((code) => json(code, { name, version, code }));
    } else {
      json(405, { error: 'method not allowed' });
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      clearInterval(traffic);
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return stopping;
  };

  return {
    url: `http://${shownHost}:${port}`,
    port,
    target: `${shownHost}:${port}`,
    name,
    version,
    behaviour: () => ({ ...behaviour }),
    setBehaviour,
    status,
    stop,
  };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
