import { describe, expect, it } from 'vitest';
import type { DeliveryCursor } from '../api/notification.ts';
import { createLogger } from '../observability/logger.ts';
import { AlertLane, DELIVERED_KEPT } from './alert-lane.ts';
import { RateLimiter } from './delivery-policy.ts';
import type { OutgoingRequest } from './payload.ts';
import type { SendResult } from './sender.ts';
import { testEvent } from './test-events.ts';

/** A lane against a scripted receiver; waits return at once and are recorded. */
function lane(answers: SendResult[], delivered: DeliveryCursor[] = [], onWait?: (l: AlertLane) => void) {
  const sent: OutgoingRequest[] = [];
  const saved: { delivered: DeliveryCursor[]; failure: string | undefined }[] = [];
  const waits: number[] = [];
  let done: () => void = () => {};
  const l = new AlertLane(
    {
      filter: { namespace: 'shop', severity: 'info', sources: [], include: [], exclude: [] },
      extras: {},
      providerKey: 'shop/p',
    },
    delivered,
    {
      log: createLogger('silent'),
      send: async (request) => {
        sent.push(request);
        return answers.shift() ?? { ok: true, status: 200 };
      },
      limiter: new RateLimiter(1000, 1000),
      provider: async () => ({
        config: { type: 'generic', address: 'http://127.0.0.1:1/', headers: {} },
        timeoutMs: 1000,
        suspended: false,
      }),
      save: async (c, failure) => {
        saved.push({ delivered: structuredClone(c), failure });
        done();
      },
      now: () => 0,
      wait: async (ms) => {
        waits.push(ms);
        onWait?.(l);
        return true;
      },
    },
  );
  const saves = (n: number) =>
    new Promise<void>((resolve) => {
      done = () => saved.length >= n && resolve();
      done();
    });
  return { l, sent, saved, waits, saves };
}

describe('AlertLane', () => {
  it('sends in event order once opened, saving what was delivered after each', async () => {
    const t = lane([]);
    t.l.add(testEvent({ name: 'b', eventTime: '2026-12-06T06:00:00.000000Z', reason: 'Second' }));
    t.l.add(testEvent({ name: 'a', eventTime: '2026-12-06T06:00:00.000000Z', reason: 'First' }));
    t.l.add(testEvent({ name: 'c', eventTime: '2026-12-06T05:59:59.000000Z', reason: 'Zeroth' }));
    t.l.add(testEvent({ name: 'a', eventTime: '2026-12-06T06:00:00.000000Z', reason: 'First' }));
    expect(t.sent).toHaveLength(0);
    t.l.open();
    await t.saves(3);
    expect(t.sent.map((r) => JSON.parse(r.body).reason)).toEqual(['Zeroth', 'First', 'Second']);
    expect(t.saved.at(-1)).toEqual({
      delivered: [
        { eventTime: '2026-12-06T05:59:59.000000Z', eventName: 'c' },
        { eventTime: '2026-12-06T06:00:00.000000Z', eventName: 'a' },
        { eventTime: '2026-12-06T06:00:00.000000Z', eventName: 'b' },
      ],
      failure: undefined,
    });
    expect(t.l.handled({ name: 'a', eventTime: '2026-12-06T06:00:00.000000Z' })).toBe(true);
    expect(t.l.handled({ name: 'd', eventTime: '2026-12-06T06:00:00.000000Z' })).toBe(false);
  });

  it('retries a failing receiver with growing delays, then records the delivery', async () => {
    const t = lane([
      { ok: false, status: 500, error: 'HTTP 500' },
      { ok: false, error: 'no answer: ECONNREFUSED' },
    ]);
    t.l.add(testEvent());
    t.l.open();
    await t.saves(1);
    expect(t.sent).toHaveLength(3);
    expect(t.waits).toHaveLength(2);
    expect(t.waits[1]).toBeGreaterThan(t.waits[0] as number);
    expect(t.saved[0]?.failure).toBeUndefined();
  });

  it('gives up at once on a refusal (4xx), recording why', async () => {
    const t = lane([{ ok: false, status: 401, error: 'HTTP 401: bad token' }]);
    t.l.add(testEvent());
    t.l.open();
    await t.saves(1);
    expect(t.sent).toHaveLength(1);
    expect(t.saved[0]?.failure).toBe('RolloutAborted for Rollout/web: HTTP 401: bad token');
  });

  it('takes what its record lacks, even when it is older than what was delivered', () => {
    // Two Events of one millisecond offered in the other order: the first delivered must not
    // make a restarted controller skip the second.
    const t = lane([], [{ eventTime: '2026-12-06T06:00:00.000000Z', eventName: 'web.ffff' }]);
    expect(t.l.handled(testEvent({ name: 'web.ffff' }))).toBe(true);
    expect(t.l.handled(testEvent({ name: 'web.0000' }))).toBe(false);
  });

  it('counts anything older than a full record as done', () => {
    const full = Array.from({ length: DELIVERED_KEPT }, (_, i) => ({
      eventTime: `2026-12-06T06:00:${String(i + 10).padStart(2, '0')}.000000Z`,
      eventName: `e${i}`,
    }));
    const t = lane([], full);
    expect(t.l.handled(testEvent({ eventTime: '2026-12-06T06:00:09.000000Z' }))).toBe(true);
    expect(t.l.handled(testEvent({ eventTime: '2026-12-06T06:00:30.500000Z' }))).toBe(false);
  });

  it('stops retrying once closed, leaving the event unrecorded for the next lane', async () => {
    let closed: () => void = () => {};
    const waited = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const t = lane([{ ok: false, status: 503, error: 'HTTP 503' }], undefined, (l) => {
      l.stopped = true;
      closed();
    });
    t.l.add(testEvent());
    t.l.open();
    await waited;
    await new Promise((r) => setImmediate(r));
    expect(t.sent).toHaveLength(1);
    expect(t.saved).toEqual([]);
  });
});
