import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.ts';

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
