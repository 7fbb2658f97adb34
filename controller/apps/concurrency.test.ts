import { describe, expect, it } from 'vitest';
import { mapLimit, settleLimit } from './concurrency.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapLimit', () => {
  it('keeps the input order whatever order the work finishes in', async () => {
    const out = await mapLimit([30, 5, 20, 1, 10], 3, async (ms, i) => {
      await tick(ms);
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
  });

  it('never has more than `limit` in flight, and uses all of them', async () => {
    let inFlight = 0;
    let peak = 0;
    await mapLimit(
      Array.from({ length: 12 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await tick(i % 3);
        inFlight--;
      },
    );
    expect(peak).toBe(4);
    expect(inFlight).toBe(0);
  });

  it('runs each item exactly once, one at a time with a limit of 1', async () => {
    const order: number[] = [];
    await mapLimit([1, 2, 3, 4], 1, async (n) => {
      order.push(n);
      await tick(4 - n);
    });
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('handles no items and a limit above the item count', async () => {
    expect(await mapLimit([], 4, async (x: number) => x)).toEqual([]);
    expect(await mapLimit([1, 2], 10, async (x) => x * 2)).toEqual([2, 4]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('two');
        return n;
      }),
    ).rejects.toThrow('two');
  });
});

describe('settleLimit', () => {
  it('collects successes and failures in input order, without stopping at a failure', async () => {
    const boom = new Error('boom');
    let ran = 0;
    const out = await settleLimit(['a', 'b', 'c'], 2, async (s) => {
      ran++;
      await tick(s === 'a' ? 10 : 0);
      if (s === 'b') throw boom;
      return s.toUpperCase();
    });
    expect(ran).toBe(3);
    expect(out).toEqual([
      { item: 'a', ok: true, value: 'A' },
      { item: 'b', ok: false, error: boom },
      { item: 'c', ok: true, value: 'C' },
    ]);
  });

  it('respects the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    await settleLimit([1, 2, 3, 4, 5], 2, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(1);
      inFlight--;
      throw new Error('x');
    });
    expect(peak).toBe(2);
  });
});
