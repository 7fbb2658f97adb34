// How hard the dispatcher tries: retry delays, the de-duplication window and each provider's
// rate limit. Functions of data and a clock reading, so tests move time.

/** Attempts before a notification is given up on (about six minutes of retries). */
export const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

/** Delay before attempt `attempt + 1` after `attempt` failures: doubling from 1s to 60s, ±20% jitter. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const plain = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/** Which failures are worth another attempt: no answer, throttling, a server error. */
export function retriable(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/**
 * The same object, reason and message within the window is sent once: an object flapping
 * between two states does not flood a channel.
 */
export class Deduplicator {
  private readonly windowMs: number;
  private readonly seen = new Map<string, number>();
  private readonly max: number;

  constructor(windowMs: number, max = 4096) {
    this.windowMs = windowMs;
    this.max = max;
  }

  /** True the first time in the window (and remembers it); false for a repeat. */
  admit(key: string, nowMs: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && nowMs - at < this.windowMs) return false;
    this.seen.delete(key);
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, nowMs);
    return true;
  }
}

/** A token bucket per provider: `ratePerSecond` sustained, bursts of `burst`. */
export class RateLimiter {
  private readonly rate: number;
  private readonly burst: number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(ratePerSecond: number, burst: number) {
    this.rate = ratePerSecond;
    this.burst = burst;
  }

  /** Takes a token for `key`: 0 when one was free, otherwise how long to wait before asking again. */
  take(key: string, nowMs: number): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.rate);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.rate) * 1000);
  }
}
