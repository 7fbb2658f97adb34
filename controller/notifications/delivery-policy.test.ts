import { describe, expect, it } from 'vitest';
import { Deduplicator, RateLimiter, retriable, retryDelay } from './delivery-policy.ts';

describe('retryDelay', () => {
  it('doubles from a second up to a minute, within ±20% jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 7, 8, 20].map((a) => retryDelay(a, mid))).toEqual([
      1000, 2000, 4000, 8000, 60_000, 60_000, 60_000,
    ]);
    expect(retryDelay(3, () => 0)).toBe(3200);
    expect(retryDelay(3, () => 1)).toBe(4800);
  });

  it('retries no answer, 408, 429 and 5xx only', () => {
    expect([undefined, 408, 429, 500, 503].every(retriable)).toBe(true);
    expect([400, 401, 403, 404, 422].some(retriable)).toBe(false);
  });
});

describe('Deduplicator', () => {
  it('admits a key once per window', () => {
    const d = new Deduplicator(10_000);
    expect(d.admit('k', 0)).toBe(true);
    expect(d.admit('k', 9_999)).toBe(false);
    expect(d.admit('other', 9_999)).toBe(true);
    expect(d.admit('k', 10_000)).toBe(true);
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then one token per 1/rate seconds, per key', () => {
    const r = new RateLimiter(2, 3);
    expect([r.take('p', 0), r.take('p', 0), r.take('p', 0)]).toEqual([0, 0, 0]);
    expect(r.take('p', 0)).toBe(500);
    expect(r.take('q', 0)).toBe(0);
    expect(r.take('p', 500)).toBe(0);
    expect(r.take('p', 600)).toBe(400);
  });
});
