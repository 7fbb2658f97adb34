import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deliveryId, MAX_CLOCK_SKEW_MS, safeEqual, type VerifyInput, verifySignature } from './verify.ts';

const SECRET = "It's a Secret to Everybody";
const body = Buffer.from('{"ref":"refs/heads/main"}');
const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const hmac = (data: string | Buffer, secret = SECRET) =>
  createHmac('sha256', secret).update(data).digest('hex');

function verify(input: Partial<VerifyInput> & Pick<VerifyInput, 'provider' | 'headers'>) {
  return verifySignature({ body, secret: SECRET, nowMs: now, ...input });
}

describe('safeEqual', () => {
  it('is true only for identical strings', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('abcd', 'abc')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
  });
});

describe('verifySignature: github', () => {
  it("accepts GitHub's documented example", () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    const result = verifySignature({
      provider: 'github',
      headers: {
        'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      },
      body: Buffer.from('Hello, World!'),
      secret: SECRET,
      nowMs: now,
    });
    expect(result).toEqual({ ok: true });
  });

  it('accepts a good signature', () => {
    expect(
      verify({ provider: 'github', headers: { 'x-hub-signature-256': `sha256=${hmac(body)}` } }),
    ).toEqual({
      ok: true,
    });
  });

  it('rejects a signature made with another secret or over another body', () => {
    const other = `sha256=${hmac(body, 'other')}`;
    expect(verify({ provider: 'github', headers: { 'x-hub-signature-256': other } })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    const tampered = `sha256=${hmac(Buffer.from('{"ref":"refs/heads/evil"}'))}`;
    expect(verify({ provider: 'github', headers: { 'x-hub-signature-256': tampered } }).ok).toBe(false);
  });

  it('rejects a missing signature, and one of another length or form', () => {
    expect(verify({ provider: 'github', headers: {} })).toEqual({
      ok: false,
      reason: 'missing X-Hub-Signature-256',
    });
    for (const sig of [`sha256=${hmac(body).slice(0, 10)}`, `${hmac(body)}`, `sha1=${hmac(body)}`, 'x']) {
      expect(verify({ provider: 'github', headers: { 'x-hub-signature-256': sig } }).ok, sig).toBe(false);
    }
  });

  it('ignores the sha1 X-Hub-Signature header', () => {
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
    expect(verify({ provider: 'github', headers: { 'x-hub-signature': sha1 } }).ok).toBe(false);
  });

  it('rejects everything when no secret is configured', () => {
    const sig = `sha256=${createHmac('sha256', '').update(body).digest('hex')}`;
    expect(verify({ provider: 'github', headers: { 'x-hub-signature-256': sig }, secret: '' })).toEqual({
      ok: false,
      reason: 'no secret configured for this provider',
    });
  });
});

describe('verifySignature: gitlab', () => {
  it('accepts the secret token', () => {
    expect(verify({ provider: 'gitlab', headers: { 'x-gitlab-token': SECRET } })).toEqual({ ok: true });
  });

  it('rejects a wrong or missing token', () => {
    expect(verify({ provider: 'gitlab', headers: { 'x-gitlab-token': `${SECRET}x` } })).toEqual({
      ok: false,
      reason: 'bad token',
    });
    expect(verify({ provider: 'gitlab', headers: {} })).toEqual({
      ok: false,
      reason: 'missing X-Gitlab-Token',
    });
  });

  it('uses the first value of a repeated header', () => {
    expect(verify({ provider: 'gitlab', headers: { 'x-gitlab-token': [SECRET, 'other'] } }).ok).toBe(true);
    expect(verify({ provider: 'gitlab', headers: { 'x-gitlab-token': ['other', SECRET] } }).ok).toBe(false);
  });
});

describe('verifySignature: generic', () => {
  const seconds = Math.floor(now / 1000);
  const signed = (ts: number | string, data: Buffer = body) => ({
    'x-sluice-timestamp': String(ts),
    'x-sluice-signature': `sha256=${hmac(Buffer.concat([Buffer.from(`${ts}.`), data]))}`,
  });

  it('accepts an HMAC over "<timestamp>.<body>"', () => {
    expect(verify({ provider: 'generic', headers: signed(seconds) })).toEqual({ ok: true });
  });

  it('rejects an HMAC over the body alone', () => {
    const headers = { 'x-sluice-timestamp': String(seconds), 'x-sluice-signature': `sha256=${hmac(body)}` };
    expect(verify({ provider: 'generic', headers })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('rejects a signature whose timestamp was changed', () => {
    const headers = { ...signed(seconds), 'x-sluice-timestamp': String(seconds + 1) };
    expect(verify({ provider: 'generic', headers })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('accepts timestamps up to five minutes either side of now', () => {
    const skew = MAX_CLOCK_SKEW_MS / 1000;
    expect(verify({ provider: 'generic', headers: signed(seconds - skew) }).ok).toBe(true);
    expect(verify({ provider: 'generic', headers: signed(seconds + skew) }).ok).toBe(true);
  });

  it('rejects timestamps outside the window on both sides, and ones that are not numbers', () => {
    const skew = MAX_CLOCK_SKEW_MS / 1000;
    for (const ts of [seconds - skew - 1, seconds + skew + 1, 'yesterday']) {
      expect(verify({ provider: 'generic', headers: signed(ts) }), String(ts)).toEqual({
        ok: false,
        reason: 'timestamp outside the allowed window',
      });
    }
  });

  it('rejects a request without timestamp or signature', () => {
    const { 'x-sluice-timestamp': ts, 'x-sluice-signature': sig } = signed(seconds);
    const reason = 'missing X-Sluice-Timestamp or X-Sluice-Signature';
    expect(verify({ provider: 'generic', headers: { 'x-sluice-signature': sig } })).toEqual({
      ok: false,
      reason,
    });
    expect(verify({ provider: 'generic', headers: { 'x-sluice-timestamp': ts } })).toEqual({
      ok: false,
      reason,
    });
  });
});

describe('deliveryId', () => {
  it("reads each provider's delivery header", () => {
    expect(deliveryId('github', { 'x-github-delivery': 'abc-123' })).toBe('abc-123');
    expect(deliveryId('gitlab', { 'x-gitlab-event-uuid': 'uuid-1' })).toBe('uuid-1');
    expect(deliveryId('github', {})).toBeUndefined();
    expect(deliveryId('gitlab', { 'x-github-delivery': 'abc-123' })).toBeUndefined();
  });

  it('identifies a generic delivery by its timestamp and signature', () => {
    expect(
      deliveryId('generic', { 'x-sluice-timestamp': '1700000000', 'x-sluice-signature': 'sha256=ab' }),
    ).toBe('1700000000:sha256=ab');
    expect(deliveryId('generic', { 'x-sluice-timestamp': '1700000000' })).toBeUndefined();
  });
});
