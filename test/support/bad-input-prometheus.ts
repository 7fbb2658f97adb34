// A bad-input source for analysis: an HTTP server on loopback answering Prometheus API
// requests with the garbage the corpus describes, one case per path prefix
// (`<url>/<case-id>/api/v1/query`). It is what a misconfigured proxy or a broken backend
// sends, not a stand-in for Prometheus.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusCase } from './bad-input.ts';

export interface GarbageServer {
  url: string;
  /** Requests seen per case id. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const HUGE_BYTES = 11 << 20;

export async function startGarbageServer(cases: readonly PrometheusCase[]): Promise<GarbageServer> {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const id = (req.url ?? '').split('/')[1] ?? '';
    const c = byId.get(id);
    hits.set(id, (hits.get(id) ?? 0) + 1);
    req.resume();
    if (!c) return res.writeHead(404).end();
    const { answer, behaviour } = c.input;
    if (answer) return res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
    if (behaviour === 'hang') return; // the socket stays open until the client gives up
    if (behaviour === 'reset') return req.socket.destroy();
    // huge: a stream of JSON with no Content-Length, so only counting the bytes can stop it.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1 << 16, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < HUGE_BYTES) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
