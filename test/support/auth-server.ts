// A tiny HTTP server on loopback that checks the Authorization header of every request, for
// tests of credentials read from Secrets. It answers like Prometheus' query API on
// `<prefix>/api/v1/query` and with `{"ok":true}` on any other path, once the header matches
// what the path expects; otherwise 401 with the header it got echoed back in the body, so a test
// can check that the caller scrubs what a misbehaving server repeats.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthServer {
  url: string;
  /** Authorization headers received, by path. */
  seen: Map<string, string[]>;
  close(): Promise<void>;
}

/** `expected` maps a path prefix (such as `/bearer`) to the Authorization header it requires. */
export async function startAuthServer(expected: Record<string, string>): Promise<AuthServer> {
  const seen = new Map<string, string[]>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const prefix = Object.keys(expected).find((p) => path === p || path.startsWith(`${p}/`));
    const got = req.headers.authorization ?? '';
    seen.set(prefix ?? path, [...(seen.get(prefix ?? path) ?? []), got]);
    req.resume();
    req.on('end', () => {
      const json = (code: number, body: unknown) =>
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (prefix === undefined || expected[prefix] !== got) {
        json(401, { status: 'error', errorType: 'unauthorized', error: `bad credentials: ${got}` });
      } else if (path.endsWith('/api/v1/query')) {
        json(200, {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] },
        });
      } else {
        json(200, { ok: true });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
