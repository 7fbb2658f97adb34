import { describe, expect, it, vi } from 'vitest';
import { KeyBackoff, WorkQueue } from './work-queue.ts';

describe('WorkQueue pause and resume', () => {
  it('collects keys while paused, de-duplicated, and processes them on resume', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      concurrency: 2,
      handler: async (key) => {
        seen.push(key);
      },
    });
    q.pause();
    q.add('a');
    q.add('b');
    q.add('a');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([]);
    expect(q.depth).toBe(2);
    q.resume();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(q.depth).toBe(0);
    await q.shutdown();
  });
});

/** A handler whose calls finish only when the test says so. */
function gated() {
  const calls: string[] = [];
  const open = new Map<string, (() => void)[]>();
  let active = 0;
  let peak = 0;
  const handler = (key: string) =>
    new Promise<void>((resolve) => {
      calls.push(key);
      active++;
      peak = Math.max(peak, active);
      const list = open.get(key) ?? [];
      list.push(() => {
        active--;
        resolve();
      });
      open.set(key, list);
    });
  return {
    calls,
    handler,
    get active() {
      return active;
    },
    get peak() {
      return peak;
    },
    /** Finishes the oldest running call for `key`. */
    finish(key: string) {
      const done = open.get(key)?.shift();
      if (!done) throw new Error(`${key} is not running`);
      done();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('WorkQueue', () => {
  it('processes a key queued several times once', async () => {
    const g = gated();
    const q = new WorkQueue({ concurrency: 1, handler: g.handler });
    q.add('busy');
    q.add('a');
    q.add('a');
    q.add('a');
    expect(q.depth).toBe(1);
    g.finish('busy');
    await settle();
    g.finish('a');
    await settle();
    expect(g.calls).toEqual(['busy', 'a']);
    await q.shutdown();
  });

  it('never runs one key twice at once, and runs it again when added during processing', async () => {
    const g = gated();
    const q = new WorkQueue({ concurrency: 4, handler: g.handler });
    q.add('k');
    await settle();
    q.add('k');
    q.add('k');
    await settle();
    expect(g.calls).toEqual(['k']);
    expect(g.active).toBe(1);
    g.finish('k');
    await settle();
    expect(g.calls).toEqual(['k', 'k']);
    g.finish('k');
    await settle();
    expect(g.calls).toEqual(['k', 'k']);
    expect(g.peak).toBe(1);
    await q.shutdown();
  });

  it('runs different keys in parallel up to the concurrency, in the order they came', async () => {
    const g = gated();
    const depths: number[] = [];
    const q = new WorkQueue({ concurrency: 2, handler: g.handler, onDepth: (d) => depths.push(d) });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await settle();
    expect(g.calls).toEqual(['a', 'b']);
    expect(q.depth).toBe(2);
    g.finish('b');
    await settle();
    expect(g.calls).toEqual(['a', 'b', 'c']);
    g.finish('a');
    g.finish('c');
    await settle();
    g.finish('d');
    await settle();
    expect(g.peak).toBe(2);
    expect(q.depth).toBe(0);
    expect(depths.at(-1)).toBe(0);
    await q.shutdown();
  });

  it('keeps going after a handler throws', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      handler: async (key) => {
        seen.push(key);
        if (key === 'bad') throw new Error('boom');
      },
    });
    q.add('bad');
    q.add('good');
    await settle();
    await settle();
    expect(seen).toEqual(['bad', 'good']);
    await q.shutdown();
  });

  it('shutdown waits for running handlers, drops waiting keys and refuses new ones', async () => {
    const g = gated();
    const q = new WorkQueue({ concurrency: 1, handler: g.handler });
    q.add('running');
    q.add('waiting');
    await settle();
    let done = false;
    const stopped = q.shutdown().then(() => {
      done = true;
    });
    q.add('late');
    q.addAfter('later', 1);
    await settle();
    expect(done).toBe(false);
    g.finish('running');
    await stopped;
    expect(done).toBe(true);
    expect(g.calls).toEqual(['running']);
    expect(q.depth).toBe(0);
  });

  it('shutdown of an idle queue returns at once and drops what is added later', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({ concurrency: 1, handler: async (k) => void seen.push(k) });
    let returned = false;
    const stopped = q.shutdown().then(() => {
      returned = true;
    });
    // One turn of the event loop: enough for promise chains, too short for any timer.
    await new Promise((r) => setImmediate(r));
    expect(returned).toBe(true);
    await stopped;
    q.add('late');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    expect(q.depth).toBe(0);
  });

  describe('addAfter', () => {
    it('adds the key after the delay', async () => {
      vi.useFakeTimers();
      try {
        const seen: string[] = [];
        const q = new WorkQueue({ concurrency: 1, handler: async (k) => void seen.push(k) });
        q.addAfter('k', 1_000);
        await vi.advanceTimersByTimeAsync(999);
        expect(seen).toEqual([]);
        await vi.advanceTimersByTimeAsync(1);
        expect(seen).toEqual(['k']);
        await q.shutdown();
      } finally {
        vi.useRealTimers();
      }
    });

    it('keeps the earliest deadline per key', async () => {
      vi.useFakeTimers();
      try {
        const seen: string[] = [];
        const q = new WorkQueue({ concurrency: 1, handler: async (k) => void seen.push(k) });
        q.addAfter('k', 5_000);
        q.addAfter('k', 1_000);
        q.addAfter('k', 3_000);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(seen).toEqual(['k']);
        await vi.advanceTimersByTimeAsync(10_000);
        expect(seen).toEqual(['k']);
        await q.shutdown();
      } finally {
        vi.useRealTimers();
      }
    });

    it('is replaced by an immediate add, and a delay of zero adds at once', async () => {
      vi.useFakeTimers();
      try {
        const seen: string[] = [];
        const q = new WorkQueue({ concurrency: 1, handler: async (k) => void seen.push(k) });
        q.addAfter('k', 1_000);
        q.add('k');
        await vi.advanceTimersByTimeAsync(0);
        expect(seen).toEqual(['k']);
        await vi.advanceTimersByTimeAsync(5_000);
        expect(seen).toEqual(['k']);
        q.addAfter('z', 0);
        await vi.advanceTimersByTimeAsync(0);
        expect(seen).toEqual(['k', 'z']);
        await q.shutdown();
      } finally {
        vi.useRealTimers();
      }
    });

    it('shutdown cancels pending delays', async () => {
      vi.useFakeTimers();
      try {
        const seen: string[] = [];
        const q = new WorkQueue({ concurrency: 1, handler: async (k) => void seen.push(k) });
        q.addAfter('k', 1_000);
        await q.shutdown();
        await vi.advanceTimersByTimeAsync(5_000);
        expect(seen).toEqual([]);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});

describe('KeyBackoff', () => {
  it('doubles per failure with equal jitter, up to the maximum, per key', () => {
    const b = new KeyBackoff(1_000, 8_000);
    const random = vi.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0);
      expect([b.next('a'), b.next('a'), b.next('a'), b.next('a'), b.next('a')]).toEqual([
        500, 1_000, 2_000, 4_000, 4_000,
      ]);
      random.mockReturnValue(0.999_999);
      expect(b.next('b')).toBe(1_000);
      expect(b.next('a')).toBe(8_000);
      expect(b.attempts('a')).toBe(6);
      expect(b.attempts('b')).toBe(1);
    } finally {
      random.mockRestore();
    }
  });

  it('starts over after reset', () => {
    const b = new KeyBackoff(100, 1_000);
    b.next('a');
    b.next('a');
    b.reset('a');
    expect(b.attempts('a')).toBe(0);
    const first = b.next('a');
    expect(first).toBeGreaterThanOrEqual(50);
    expect(first).toBeLessThanOrEqual(100);
  });
});

describe('WorkQueue keys added first', () => {
  it('takes them before the others, a waiting key moving ahead when added first again', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      handler: async (key) => {
        seen.push(key);
      },
    });
    q.pause();
    for (const key of ['a', 'b', 'c']) q.add(key);
    q.add('d', { first: true });
    q.add('c', { first: true });
    q.add('a');
    expect(q.depth).toBe(4);
    q.resume();
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    expect(seen).toEqual(['d', 'c', 'a', 'b']);
    await q.shutdown();
  });

  it('keeps a key added first while it runs first for its next run', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const q = new WorkQueue({
      concurrency: 1,
      handler: (key) => {
        seen.push(key);
        if (seen.length > 1) return Promise.resolve();
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    q.add('a');
    await vi.waitFor(() => expect(seen).toEqual(['a']));
    q.add('b');
    q.add('a', { first: true });
    release();
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen).toEqual(['a', 'a', 'b']);
    await q.shutdown();
  });
});

/** A queue whose handler runs until the test releases its key; `started` in order. */
function releasableQueue(concurrency: number, cheapConcurrency: number) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const q = new WorkQueue({
    concurrency,
    cheapConcurrency,
    handler: (key) =>
      new Promise<void>((resolve) => {
        started.push(key);
        release.set(key, resolve);
      }),
  });
  return { q, started, release };
}

describe('WorkQueue keys added cheap', () => {
  it('come after the others, and extra workers take them beside a busy main worker', async () => {
    const { q, started, release } = releasableQueue(1, 2);
    q.pause();
    q.add('c1', { cheap: true });
    q.add('c2', { cheap: true });
    q.add('c3', { cheap: true });
    q.add('heavy');
    q.resume();
    // The main worker takes the ordinary key first; the two extra ones take cheap keys.
    await vi.waitFor(() => expect(started).toEqual(['heavy', 'c1', 'c2']));
    release.get('c1')?.();
    await vi.waitFor(() => expect(started).toEqual(['heavy', 'c1', 'c2', 'c3']));
    // A cheap key added first again goes ahead of everything, to the main worker.
    q.add('c4', { cheap: true });
    q.add('other');
    q.add('c4', { first: true });
    release.get('heavy')?.();
    await vi.waitFor(() => expect(started).toHaveLength(5));
    expect(started[4]).toBe('c4');
    for (const r of release.values()) r();
    await vi.waitFor(() => expect(started).toHaveLength(6));
    for (const r of release.values()) r();
    await q.shutdown();
  });
});

describe('WorkQueue keys added cheap while keys added first run', () => {
  const queue = () => releasableQueue(2, 2);

  it('wait until those have run', async () => {
    const { q, started, release } = queue();
    q.pause();
    q.add('changed', { first: true });
    for (const key of ['c1', 'c2', 'c3']) q.add(key, { cheap: true });
    q.resume();
    await vi.waitFor(() => expect(started).toEqual(['changed']));
    release.get('changed')?.();
    await vi.waitFor(() => expect(started).toEqual(['changed', 'c1', 'c2', 'c3']));
    for (const r of release.values()) r();
    await q.shutdown();
  });

  it('wait two seconds at most', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { q, started, release } = queue();
      q.add('slow', { first: true });
      q.add('c1', { cheap: true });
      expect(started).toEqual(['slow']);
      await vi.advanceTimersByTimeAsync(1_900);
      expect(started).toEqual(['slow']);
      await vi.advanceTimersByTimeAsync(200);
      expect(started).toEqual(['slow', 'c1']);
      for (const r of release.values()) r();
      await q.shutdown();
    } finally {
      vi.useRealTimers();
    }
  });
});
