import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookProvider = 'github' | 'gitlab' | 'generic';

export interface VerifyInput {
  provider: WebhookProvider;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  secret: string;
  nowMs: number;
}

type VerifyResult = { ok: true } | { ok: false; reason: string };

/** Generic signatures older or newer than this are replays or clock trouble. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function header(h: VerifyInput['headers'], name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Compares secrets in constant time, whatever their lengths, by comparing digests. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHmac('sha256', 'sluice-compare').update(a).digest();
  const db = createHmac('sha256', 'sluice-compare').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

function hmacHex(secret: string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hmac(body)>`. GitLab: `X-Gitlab-Token: <secret>`.
 * Generic: `X-Sluice-Timestamp: <unix seconds>` and
 * `X-Sluice-Signature: sha256=<hmac(timestamp + "." + body)>`, so a captured request
 * cannot be replayed after five minutes.
 */
export function verifySignature(input: VerifyInput): VerifyResult {
  const { headers, body, secret } = input;
  if (!secret) return { ok: false, reason: 'no secret configured for this provider' };
  switch (input.provider) {
    case 'github': {
      const sig = header(headers, 'x-hub-signature-256');
      if (!sig) return { ok: false, reason: 'missing X-Hub-Signature-256' };
      return safeEqual(sig, `sha256=${hmacHex(secret, body)}`)
        ? { ok: true }
        : { ok: false, reason: 'bad signature' };
    }
    case 'gitlab': {
      const token = header(headers, 'x-gitlab-token');
      if (!token) return { ok: false, reason: 'missing X-Gitlab-Token' };
      return safeEqual(token, secret) ? { ok: true } : { ok: false, reason: 'bad token' };
    }
    case 'generic': {
      const ts = header(headers, 'x-sluice-timestamp');
      const sig = header(headers, 'x-sluice-signature');
      if (!ts || !sig) return { ok: false, reason: 'missing X-Sluice-Timestamp or X-Sluice-Signature' };
      const t = Number(ts) * 1000;
      if (!Number.isFinite(t) || Math.abs(input.nowMs - t) > MAX_CLOCK_SKEW_MS) {
        return { ok: false, reason: 'timestamp outside the allowed window' };
      }
      const expected = `sha256=${hmacHex(secret, Buffer.concat([Buffer.from(`${ts}.`), body]))}`;
      return safeEqual(sig, expected) ? { ok: true } : { ok: false, reason: 'bad signature' };
    }
  }
}

/** The delivery id a provider sends, used to drop replays of a signed request. */
export function deliveryId(provider: WebhookProvider, headers: VerifyInput['headers']): string | undefined {
  if (provider === 'github') return header(headers, 'x-github-delivery');
  if (provider === 'gitlab') return header(headers, 'x-gitlab-event-uuid');
  const ts = header(headers, 'x-sluice-timestamp');
  const sig = header(headers, 'x-sluice-signature');
  return ts && sig ? `${ts}:${sig}` : undefined;
}
