// Builds and sends the webhook requests of the bad-input corpus: push payloads as GitHub,
// GitLab and the generic form send them, signed (or not) the way a case says.

import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { WebhookCase } from './bad-input.ts';

interface WebhookRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  chunked: boolean;
}

function pushPayload(provider: WebhookCase['input']['provider'], url: string, padding: number): string {
  const ref = 'refs/heads/main';
  const base =
    provider === 'github'
      ? { ref, repository: { clone_url: url } }
      : provider === 'gitlab'
        ? { ref, object_kind: 'push', project: { git_http_url: url } }
        : { ref, url };
  const text = JSON.stringify(base);
  if (padding <= text.length) return text;
  return JSON.stringify({ ...base, padding: 'x'.repeat(padding - text.length - 14) });
}

const hmac = (secret: string, data: string | Buffer) =>
  createHmac('sha256', secret).update(data).digest('hex');

/** The request a case describes; `watched` is the URL of the GitRepository that must not fetch. */
export function webhookRequest(
  c: WebhookCase,
  opts: { secret: string; watched: string; unwatched: string },
): WebhookRequest {
  const { provider, signature } = c.input;
  const text =
    c.input.raw ??
    (c.input.body === 'none'
      ? undefined
      : pushPayload(
          provider,
          c.input.body === 'push-unwatched' ? opts.unwatched : opts.watched,
          c.input.bodyBytes ?? 0,
        ));
  const body = text === undefined ? undefined : Buffer.from(text);
  const headers: Record<string, string> = { 'content-type': c.input.contentType ?? 'application/json' };
  if (provider === 'github' && c.input.event) headers['x-github-event'] = c.input.event;
  if (provider === 'gitlab' && c.input.event) headers['x-gitlab-event'] = c.input.event;
  if (provider === 'github') headers['x-github-delivery'] = randomUUID();
  if (provider === 'gitlab') headers['x-gitlab-event-uuid'] = randomUUID();
  const secret = signature === 'wrong-secret' ? 'not-the-webhook-secret' : opts.secret;
  const signed = signature === 'other-body' ? Buffer.from(`${text ?? ''} `) : (body ?? Buffer.alloc(0));
  if (signature !== 'missing') {
    if (provider === 'github') headers['x-hub-signature-256'] = `sha256=${hmac(secret, signed)}`;
    if (provider === 'gitlab') headers['x-gitlab-token'] = secret;
    if (provider === 'generic') {
      const skew = signature === 'stale' ? -3600 : signature === 'future' ? 3600 : 0;
      const ts = String(Math.floor(Date.now() / 1000) + skew);
      headers['x-sluice-timestamp'] = ts;
      headers['x-sluice-signature'] =
        `sha256=${hmac(secret, Buffer.concat([Buffer.from(`${ts}.`), signed]))}`;
    }
  }
  return {
    path: c.input.path ?? `/hook/${provider}`,
    method: c.input.method ?? 'POST',
    headers,
    body,
    chunked: c.input.chunked === 'true',
  };
}

/** Sends with node:http so a chunked body (no Content-Length) can be sent too. */
export function sendWebhook(baseUrl: string, r: WebhookRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...r.headers };
    if (r.body && !r.chunked) headers['content-length'] = String(r.body.length);
    const req = http.request(new URL(r.path, baseUrl), { method: r.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!r.body) return req.end();
    if (!r.chunked) return req.end(r.body);
    // In 64 KiB chunks, as a streaming sender would.
    for (let i = 0; i < r.body.length; i += 65_536) req.write(r.body.subarray(i, i + 65_536));
    req.end();
  });
}

/** A correctly signed GitHub push to `watched`: what a genuine delivery looks like. */
export function genuinePush(secret: string, watched: string): WebhookRequest {
  return webhookRequest(
    {
      id: 'genuine',
      channel: 'webhook',
      bad: '',
      input: { provider: 'github', event: 'push', body: 'push', signature: 'valid' },
      expect: { http: 202, body: '', metric: 'accepted', fetch: false },
    },
    { secret, watched, unwatched: '' },
  );
}
