import { describe, expect, it } from 'vitest';
import { chartSeries } from './chart-data.ts';
import { parseRoute, routeHref, streamQuery } from './route.ts';

describe('routes', () => {
  it('round-trips a page through the hash', () => {
    const href = routeHref('rollout', 'shop', 'web/2');
    expect(parseRoute(href)).toEqual({ page: 'rollout', namespace: 'shop', name: 'web/2' });
    expect(parseRoute('#/applications/a/b')).toEqual({ page: 'application', namespace: 'a', name: 'b' });
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/nonsense/x')).toEqual({ page: 'overview' });
    expect(streamQuery(parseRoute('#/rollouts/a%20b/c'))).toBe('page=rollout&ns=a%20b&name=c');
  });
});

describe('chart series', () => {
  it('charts the first number of each value, leaving out measurements without one', () => {
    expect(
      chartSeries([
        { phase: 'Successful', value: '[0.01]', at: '2026-01-01T00:00:10Z' },
        { phase: 'Error', at: '2026-01-01T00:00:20Z' },
        { phase: 'Successful', value: '2.5e-1', at: '2026-01-01T00:00:30Z' },
        { phase: 'Successful', value: 'NaN', at: '2026-01-01T00:00:40Z' },
      ]),
    ).toEqual([
      [1767225610, 1767225630],
      [0.01, 0.25],
    ]);
  });
});
