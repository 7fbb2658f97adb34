import { describe, expect, it } from 'vitest';
import { PushTracker } from './push-tracker.ts';

describe('PushTracker', () => {
  it('reports the seconds from push to applied, once', () => {
    const t = new PushTracker();
    t.pushed('ns/repo', 1_000);
    expect(t.applied('ns/repo', 3_500)).toBe(2.5);
    expect(t.applied('ns/repo', 4_000)).toBeUndefined();
  });

  it('is undefined for a repository nobody pushed to', () => {
    expect(new PushTracker().applied('ns/other', 1_000)).toBeUndefined();
  });

  it('measures from the first of several pushes before an apply', () => {
    const t = new PushTracker();
    t.pushed('ns/repo', 1_000);
    t.pushed('ns/repo', 2_000);
    expect(t.applied('ns/repo', 5_000)).toBe(4);
  });

  it('keeps repositories apart', () => {
    const t = new PushTracker();
    t.pushed('a/one', 1_000);
    t.pushed('b/two', 2_000);
    expect(t.applied('b/two', 3_000)).toBe(1);
    expect(t.applied('a/one', 3_000)).toBe(2);
  });

  it('forgets the oldest push once it holds more than 10,000', () => {
    const t = new PushTracker();
    for (let i = 0; i <= 10_000; i++) t.pushed(`ns/repo-${i}`, i);
    expect(t.applied('ns/repo-0', 20_000)).toBeUndefined();
    expect(t.applied('ns/repo-1', 20_000)).toBe(19.999);
    expect(t.applied('ns/repo-10000', 20_000)).toBe(10);
  });
});
