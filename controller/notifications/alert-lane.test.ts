import { describe, expect, it } from 'vitest';
import type { DeliveryCursor } from '../api/notification.ts';
import { createLogger } from '../observability/logger.ts';
import { AlertLane } from './alert-lane.ts';
import { RateLimiter } from './delivery-policy.ts';
import type { OutgoingRequest } from './payload.ts';
import type { SendResult } from './sender.ts';
import { testEvent } from './test-events.ts';

/** A lane against a scripted receiver; waits return at once and are recorded. */
function lane(answers: SendResult[], cursor?: DeliveryCursor, onWait?: (l: AlertLane) => void) {
  const sent: OutgoingRequest[] = [];
  const saved: { cursor: DeliveryCursor; failure: string | undefined }[] = [];
  const waits: number[] = [];
  let done: () => void = () => {};
  const l = new AlertLane(
    {
      filter: { namespace: 'shop', severity: 'info', sources: [], include: [], exclude: [] },
      extras: {},
      providerKey: 'shop/p',
    },
    cursor,
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
        saved.push({ cursor: { ...c }, failure });
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
  it('sends in event order once opened, saving the cursor after each', async () => {
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
      cursor: { eventTime: '2026-12-06T06:00:00.000000Z', eventName: 'b' },
      failure: undefined,
    });
    expect(t.l.handled({ name: 'a', eventTime: '2026-12-06T06:00:00.000000Z' })).toBe(true);
    expect(t.l.handled({ name: 'c', eventTime: '2026-12-06T06:00:00.000000Z' })).toBe(false);
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

  it('starts after the cursor it was given', () => {
    const t = lane([], { eventTime: '2026-12-06T06:00:00.000000Z', eventName: 'web.0001' });
    expect(t.l.handled(testEvent())).toBe(true);
    expect(t.l.handled(testEvent({ name: 'web.0002' }))).toBe(false);
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
