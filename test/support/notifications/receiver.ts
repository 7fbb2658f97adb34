// A real HTTP receiver on loopback that records every request it gets and answers with the
// status the test chooses, for generic, generic-hmac and slack Providers.

import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface HttpRecorder {
  readonly url: string;
  readonly received: Received[];
  /** Resolves with the first request (past or future) `predicate` accepts. */
  waitFor(predicate: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Serves `handle` on 127.0.0.1 and records each exchange. `handle` answers with a status and
 * optional JSON; the recorder writes it.
 */
export async function startRecorder(
  handle: (req: Omit<Received, 'status'>) => { status: number; json?: unknown },
): Promise<HttpRecorder> {
  const received: Received[] = [];
  const events = new EventEmitter();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      const answer = handle(request);
      const entry = { ...request, status: answer.status };
      received.push(entry);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.json ?? {}));
      events.emit('request', entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(predicate, timeoutMs = 120_000) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onRequest = (r: Received) => {
          if (!predicate(r)) return;
          clearTimeout(timer);
          events.off('request', onRequest);
          resolve(r);
        };
        const timer = setTimeout(() => {
          events.off('request', onRequest);
          reject(
            new Error(
              `no matching request in ${timeoutMs}ms; got ${received.map((r) => `${r.method} ${r.path} ${r.status}`).join(', ') || 'none'}`,
            ),
          );
        }, timeoutMs);
        events.on('request', onRequest);
      });
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A webhook receiver answering `answer` to every POST (200 unless the test sets another). */
export async function startReceiver(): Promise<HttpRecorder & { answer: number }> {
  const state = { answer: 200 };
  const recorder = await startRecorder((req) => ({ status: req.method === 'POST' ? state.answer : 405 }));
  // The handler reads `state`; the property is an accessor onto it, not a copy.
  return Object.defineProperty(recorder, 'answer', {
    get: () => state.answer,
    set: (status: number) => {
      state.answer = status;
    },
  }) as HttpRecorder & { answer: number };
}
