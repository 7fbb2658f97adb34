// Webhook secrets are compared in constant time: every verdict, right or wrong, comes from
// one crypto.timingSafeEqual over two digests of the same length, and nothing short-circuits
// on the length or the first differing byte of what an attacker sent.

import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type VerifyInput, verifySignature, type WebhookProvider } from './verify.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
const SECRET = 'webhook-secret-0f3a9c';
const body = Buffer.from('{"ref":"refs/heads/main","repository":{"clone_url":"https://example.com/r.git"}}');
const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const ts = String(Math.floor(now / 1000));
const hex = (data: Buffer) => crypto.createHmac('sha256', SECRET).update(data).digest('hex');
const genericData = Buffer.concat([Buffer.from(`${ts}.`), body]);

/** Header sets per provider: the right one, a same-length wrong one, shorter, longer, empty-ish. */
const cases: Record<WebhookProvider, { right: Record<string, string>; wrong: Record<string, string>[] }> = {
  github: {
    right: { 'x-hub-signature-256': `sha256=${hex(body)}` },
    wrong: [
      { 'x-hub-signature-256': `sha256=${hex(body).replace(/^./, (c) => (c === '0' ? '1' : '0'))}` },
      { 'x-hub-signature-256': `sha256=${hex(body).slice(0, 8)}` },
      { 'x-hub-signature-256': `sha256=${hex(body)}00` },
      { 'x-hub-signature-256': 'x' },
    ],
  },
  gitlab: {
    right: { 'x-gitlab-token': SECRET },
    wrong: [
      { 'x-gitlab-token': SECRET.replace(/.$/, 'x') },
      { 'x-gitlab-token': SECRET.slice(0, 3) },
      { 'x-gitlab-token': `${SECRET}${SECRET}` },
      { 'x-gitlab-token': 'x' },
    ],
  },
  generic: {
    right: { 'x-sluice-timestamp': ts, 'x-sluice-signature': `sha256=${hex(genericData)}` },
    wrong: [
      { 'x-sluice-timestamp': ts, 'x-sluice-signature': `sha256=${'0'.repeat(64)}` },
      { 'x-sluice-timestamp': ts, 'x-sluice-signature': 'sha256=ab' },
      { 'x-sluice-timestamp': ts, 'x-sluice-signature': `sha256=${hex(genericData)}${'f'.repeat(500)}` },
    ],
  },
};

function verify(provider: WebhookProvider, headers: Record<string, string>) {
  const input: VerifyInput = { provider, headers, body, secret: SECRET, nowMs: now };
  return verifySignature(input);
}

beforeEach(() => {
  timingSafeEqual.mockClear();
});

describe.each(Object.keys(cases) as WebhookProvider[])('%s verifier', (provider) => {
  const { right, wrong } = cases[provider];

  it('accepts the right value through exactly one timingSafeEqual of equal-length digests', () => {
    expect(verify(provider, right)).toEqual({ ok: true });
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
    const [a, b] = timingSafeEqual.mock.calls[0] ?? [];
    expect(Buffer.isBuffer(a) && Buffer.isBuffer(b)).toBe(true);
    expect((a as Buffer).length).toBe(32);
    expect((b as Buffer).length).toBe(32);
  });

  it('refuses every wrong value, of any length, the same way and through the same comparison', () => {
    const verdicts = wrong.map((headers) => {
      timingSafeEqual.mockClear();
      const verdict = verify(provider, headers);
      // The comparison always runs, over 32-byte digests, whatever the length sent.
      expect(timingSafeEqual).toHaveBeenCalledTimes(1);
      const [a, b] = timingSafeEqual.mock.calls[0] ?? [];
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      return verdict;
    });
    expect(new Set(verdicts.map((v) => JSON.stringify(v))).size).toBe(1);
    expect(verdicts[0]?.ok).toBe(false);
  });

  it('never throws, whatever bytes arrive', () => {
    const key = Object.keys(right).at(-1) ?? '';
    for (const value of ['', '\u0000', 'é'.repeat(3), 'sha256=', 'a'.repeat(100_000)]) {
      expect(() => verify(provider, { ...right, [key]: value })).not.toThrow();
      expect(verify(provider, { ...right, [key]: value }).ok).toBe(false);
    }
  });
});
