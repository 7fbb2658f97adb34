// The metric providers against real servers: Debian's Prometheus scraping the metrics app on
// loopback, plus a tiny misbehaving HTTP server for the answers Prometheus itself never gives.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  MeasureRequest,
  MeasureResult,
  MetricProviderSpec,
} from '../../controller/analysis/providers/provider.ts';
import {
  ProviderAbortedError,
  ProviderBadResponseError,
  ProviderQueryError,
  ProviderTimeoutError,
  ProviderUnreachableError,
} from '../../controller/analysis/providers/provider-errors.ts';
import { createProviderRegistry } from '../../controller/analysis/providers/registry.ts';
import { type MetricsApp, startMetricsApp } from '../support/metrics-app/metrics-app.ts';
import { type PrometheusServer, startPrometheus } from '../support/prometheus/prometheus-server.ts';

const ERROR_RATIO = 'sum(rate(http_requests_total{code=~"5.."}[10s])) / sum(rate(http_requests_total[10s]))';

const registry = createProviderRegistry({ prometheus: { maxResponseBytes: 64 * 1024 } });
let app: MetricsApp;
let prometheus: PrometheusServer;
let fake: FakeServer;

function measure(provider: MetricProviderSpec, extra: Partial<MeasureRequest> = {}): Promise<MeasureResult> {
  return registry.measure({ metricName: 'test', provider, ...extra }, AbortSignal.timeout(20_000));
}

const promQuery = (query: string, address = prometheus.url) => measure({ prometheus: { address, query } });

beforeAll(async () => {
  app = await startMetricsApp({ name: 'canary', version: 'v2', behaviour: { rps: 20 } });
  app.setBehaviour({ errorRate: 0.25 });
  fake = await startFakeServer();
  prometheus = await startPrometheus({ jobs: [{ job: 'canary', targets: [app.target] }] });
  // Both label sets exist once the first scrape landed.
  await prometheus.waitForSeries('http_requests_total', (s) => s.length === 2, 30_000);
});

afterAll(async () => {
  await prometheus?.stop();
  await app?.stop();
  await fake?.close();
});

describe('Prometheus provider', () => {
  it('measures an Argo-style error-rate query near the configured rate', async () => {
    await prometheus.waitForSeries(ERROR_RATIO, (s) => s.length === 1 && Number.isFinite(s[0]?.value));
    const result = await promQuery(ERROR_RATIO);
    expect(result.value).toHaveLength(1);
    expect(Math.abs(((result.value as number[])[0] ?? 0) - 0.25)).toBeLessThan(0.03);
    expect(result.text).toMatch(/^\[0\.2\d*\]$/);
    expect(result.metadata).toMatchObject({ ResolvedPrometheusQuery: ERROR_RATIO, resultType: 'vector' });
  });

  it('follows an error rate changed through POST /control', async () => {
    const response = await fetch(`${app.url}/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 0.6 }),
    });
    expect(response.status).toBe(200);
    // The 10s window must first slide past the old rate.
    await prometheus.waitForSeries(ERROR_RATIO, (s) => Math.abs((s[0]?.value ?? 0) - 0.6) < 0.02, 40_000);
    const value = (await promQuery(ERROR_RATIO)).value as number[];
    expect(Math.abs((value[0] ?? 0) - 0.6)).toBeLessThan(0.05);
  });

  it('an empty vector is an empty array', async () => {
    const result = await promQuery('http_requests_total{code="999"}');
    expect(result).toMatchObject({ value: [], text: '[]', metadata: { seriesCount: '0' } });
  });

  it('converts scalars, strings and special values as Argo does', async () => {
    expect((await promQuery('vector(0.5)')).value).toEqual([0.5]);
    expect(await promQuery('1/0')).toMatchObject({ value: Number.POSITIVE_INFINITY, text: '+Inf' });
    expect(await promQuery('-1/0')).toMatchObject({ value: Number.NEGATIVE_INFINITY, text: '-Inf' });
    expect((await promQuery('0/0')).value).toBeNaN();
    expect(await promQuery('"ready"')).toMatchObject({ value: 'ready', text: 'ready' });
  });

  it('a range query returns every point of the matrix', async () => {
    const end = new Date();
    const result = await measure(
      {
        prometheus: { address: prometheus.url, query: 'sum(rate(http_requests_total[5s]))', rangeQuery: {} },
      },
      { range: { start: new Date(end.getTime() - 4_000), end, step: '1s' } },
    );
    expect(result.metadata.resultType).toBe('matrix');
    const points = result.value as number[];
    expect(points.length).toBeGreaterThanOrEqual(4);
    for (const point of points) expect(point).toBeGreaterThan(0);
  });

  it("a syntax error is a query error carrying Prometheus' message", async () => {
    const failure = promQuery('sum(rate(http_requests_total[10s])');
    await expect(failure).rejects.toBeInstanceOf(ProviderQueryError);
    await expect(failure).rejects.toMatchObject({
      kind: 'query',
      errorType: 'bad_data',
      error: expect.stringMatching(/parse error/),
      message: expect.stringMatching(/parse error/),
    });
  });

  it('sends custom headers, credentials and the query as a form body', async () => {
    const result = await measure(
      {
        prometheus: {
          address: `${fake.url}/echo`,
          query: 'up{job="x"}',
          headers: [{ key: 'X-Scope-OrgID', value: 'tenant-a' }],
        },
      },
      { credentials: { kind: 'bearer', token: 'token-abc123' } },
    );
    expect(result.value).toEqual([1]);
    const seen = fake.requests.at(-1);
    expect(seen).toMatchObject({ method: 'POST', path: '/echo/api/v1/query' });
    expect(seen?.headers['x-scope-orgid']).toBe('tenant-a');
    expect(seen?.headers.authorization).toBe('Bearer token-abc123');
    expect(new URLSearchParams(seen?.body).get('query')).toBe('up{job="x"}');
  });

  it('never puts credentials in error messages', async () => {
    const failure = measure(
      { prometheus: { address: `${fake.url}/echo-auth`, query: 'up' } },
      { credentials: { kind: 'basic', username: 'admin', password: 'pa55-word-xyz' } },
    );
    const error = (await failure.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ProviderBadResponseError);
    const encoded = Buffer.from('admin:pa55-word-xyz').toString('base64');
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(encoded);
    expect(error.message).not.toContain('pa55-word-xyz');
  });

  it.each([
    ['html', 'html', 200],
    ['bad-gateway', 'http-status', 502],
    ['garbage', 'not-json', 200],
    ['unknown-type', 'unknown-result-type', undefined],
    ['huge', 'too-large', 200],
  ])('a server answering %s gives a bad-response error (%s)', async (path, reason, status) => {
    const failure = promQuery('up', `${fake.url}/${path}`);
    await expect(failure).rejects.toBeInstanceOf(ProviderBadResponseError);
    await expect(failure).rejects.toMatchObject({ kind: 'bad-response', reason, status });
  });

  it('a server that does not answer in time gives a timeout error', async () => {
    const failure = measure({ prometheus: { address: `${fake.url}/hang`, query: 'up', timeout: 0.5 } });
    await expect(failure).rejects.toBeInstanceOf(ProviderTimeoutError);
    await expect(failure).rejects.toMatchObject({ kind: 'timeout', timeoutMs: 500 });
  });

  it("the caller's signal cancels a measurement", async () => {
    const failure = registry.measure(
      { metricName: 'test', provider: { prometheus: { address: `${fake.url}/hang`, query: 'up' } } },
      AbortSignal.timeout(200),
    );
    await expect(failure).rejects.toBeInstanceOf(ProviderAbortedError);
  });

  it('scrape targets can be changed at runtime; canary and stable are told apart by label', async () => {
    const stable = await startMetricsApp({ name: 'stable', version: 'v1', behaviour: { rps: 10 } });
    try {
      await prometheus.setJobs([
        { job: 'canary', targets: [app.target] },
        { job: 'stable', targets: [stable.target], labels: { track: 'stable' } },
      ]);
      await prometheus.waitForSeries('http_requests_total{version="v1",track="stable"}');
      const byVersion = await promQuery('sum by (version) (rate(http_requests_total{code=~"5.."}[10s]))');
      expect(byVersion.metadata.seriesCount).toBe('1'); // only the canary fails
      expect((await prometheus.targets()).map((t) => t.health)).toEqual(['up', 'up']);
    } finally {
      await prometheus.setJobs([{ job: 'canary', targets: [app.target] }]);
      await stable.stop();
    }
  });

  it('Prometheus down is an unreachable error; it answers again after a restart', async () => {
    await prometheus.stopTemporarily();
    const failure = promQuery('up');
    await expect(failure).rejects.toBeInstanceOf(ProviderUnreachableError);
    await expect(failure).rejects.toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });

    await prometheus.restart();
    // Samples scraped before the outage are still there (same data dir).
    const result = await promQuery('count(http_requests_total{job="canary"})');
    expect(result.value).toEqual([2]);
  });
});

describe('Web provider', () => {
  const web = (spec: Partial<NonNullable<MetricProviderSpec['web']>>) =>
    measure({ web: { url: `${app.url}/status`, ...spec } });

  it('selects values from the metrics app status with a jsonPath', async () => {
    expect(await web({ jsonPath: '{$.name}' })).toMatchObject({ value: 'canary', text: '"canary"' });
    expect((await web({ jsonPath: '{$.behaviour.rps}' })).value).toBe(20);
    expect((await web({ jsonPath: '$.requests.total' })).value).toBeGreaterThan(0);
    const whole = await web({});
    expect(whole.value).toMatchObject({ name: 'canary', version: 'v2' });
  });

  it('POSTs a JSON body and reads the answer', async () => {
    const result = await measure({
      web: {
        url: `${app.url}/control`,
        method: 'POST',
        jsonBody: { errorRate: 0.25 },
        jsonPath: '{$.behaviour.errorRate}',
      },
    });
    expect(result.value).toBe(0.25);
    expect(app.behaviour().errorRate).toBe(0.25);
  });

  it('a path that selects nothing is a bad-response error', async () => {
    await expect(web({ jsonPath: '{$.behaviour.missing}' })).rejects.toMatchObject({
      reason: 'path-not-found',
    });
  });

  it('non-2xx, HTML and non-JSON answers are bad-response errors', async () => {
    await expect(
      measure({ web: { url: `${app.url}/control`, method: 'POST', body: '{"bad":1}' } }),
    ).rejects.toMatchObject({
      reason: 'http-status',
      status: 400,
    });
    await expect(measure({ web: { url: `${fake.url}/html` } })).rejects.toMatchObject({ reason: 'html' });
    await expect(measure({ web: { url: `${fake.url}/garbage`, jsonPath: '{$.x}' } })).rejects.toMatchObject({
      reason: 'not-json',
    });
  });
});

interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface FakeServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Answers under a path prefix the way broken or hostile backends do. */
async function startFakeServer(): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const prefix = path.split('/')[1];
      const json = (code: number, body: unknown) =>
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      switch (prefix) {
        case 'echo':
          return json(200, {
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] },
          });
        case 'echo-auth':
          return res
            .writeHead(401, { 'content-type': 'text/plain' })
            .end(`rejected ${req.headers.authorization}`);
        case 'html':
          return res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<!doctype html><html><body>Sign in</body></html>');
        case 'bad-gateway':
          return res
            .writeHead(502, { 'content-type': 'text/html' })
            .end('<html><h1>502 Bad Gateway</h1></html>');
        case 'garbage':
          return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\u0000\u0001 not json');
        case 'unknown-type':
          return json(200, { status: 'success', data: { resultType: 'streams', result: [] } });
        case 'huge': {
          // Chunked, no content-length: the cap must hold while streaming.
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = 'x'.repeat(16 * 1024);
          for (let i = 0; i < 16; i++) res.write(chunk);
          return res.end();
        }
        case 'hang':
          return; // never answers
        default:
          return res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
