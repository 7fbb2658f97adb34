import { describe, expect, it } from 'vitest';
import type { Rollout } from '../api/rollout.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';
import { formatSelector, selectorMatches, validateRollout } from './validate.ts';

describe('spec validation', () => {
  it('matches selectors against template labels', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' } }, { app: 'web', x: 'y' })).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, { app: 'api' })).toBe(false);
    const exprs = {
      matchExpressions: [
        { key: 'tier', operator: 'In' as const, values: ['a', 'b'] },
        { key: 'old', operator: 'DoesNotExist' as const },
      ],
    };
    expect(selectorMatches(exprs, { tier: 'a' })).toBe(true);
    expect(selectorMatches(exprs, { tier: 'a', old: '1' })).toBe(false);
  });

  it('formats selectors as the scale subresource expects', () => {
    expect(
      formatSelector({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['y', 'x'] }],
      }),
    ).toBe('a=1,b=2,c notin (x,y)');
  });

  it('stalls a Rollout whose selector misses its template', () => {
    const ro: Rollout = {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'api' } } },
        strategy: { canary: {} },
      },
    };
    expect(() => validateRollout(ro)).toThrow(StallingError);
  });

  it('lets subset-level Istio go without canary and stable Services, and refuses two equal ones', () => {
    const ro = (canary: NonNullable<Rollout['spec']['strategy']['canary']>): Rollout => ({
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } } },
        strategy: { canary },
      },
    });
    const istio = {
      virtualService: { name: 'web' },
      destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
    };
    expect(() => validateRollout(ro({ trafficRouting: { istio } }))).not.toThrow();
    expect(() =>
      validateRollout(ro({ stableService: 'web', canaryService: 'web', trafficRouting: { istio } })),
    ).toThrow(StallingError);
  });
});
