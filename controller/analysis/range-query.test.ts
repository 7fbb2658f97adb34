import { describe, expect, it } from 'vitest';
import { RangeQueryError, resolveRange } from './range-query.ts';

const now = new Date('2025-01-02T03:04:05Z');
const minus = (ms: number) => new Date(now.getTime() - ms);

describe('resolveRange', () => {
  it("accepts Argo's expr forms and plain times", () => {
    expect(resolveRange({ start: 'now() - duration("5m")', end: 'now()', step: '1m' }, now)).toEqual({
      start: minus(300_000),
      end: now,
      step: '1m',
    });
    expect(resolveRange({ start: "now()-duration('1h30m')" }, now).start).toEqual(minus(5_400_000));
    expect(resolveRange({ start: 'now() - 10m', step: '30' }, now)).toEqual({
      start: minus(600_000),
      end: now,
      step: 30,
    });
    expect(resolveRange({ start: '2025-01-02T03:00:00Z', end: '1735787045' }, now)).toEqual({
      start: minus(245_000),
      end: now,
      step: '1m',
    });
  });

  it('says what it does not understand', () => {
    expect(() => resolveRange({}, now)).toThrow(RangeQueryError);
    expect(() => resolveRange({ start: 'yesterday' }, now)).toThrow(
      /rangeQuery.start "yesterday" is not understood/,
    );
    expect(() => resolveRange({ start: 'now() - duration("5 minutes")' }, now)).toThrow(
      /rangeQuery.start: time:/,
    );
    expect(() => resolveRange({ start: 'now()', end: 'now() - 1m' }, now)).toThrow(/after rangeQuery.end/);
  });
});
