import { describe, expect, it } from 'vitest';
import type { Rollout } from '../api/rollout.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';
import { formatSelector, routeStepProblems, selectorMatches, validateRollout } from './validate.ts';

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

  it('refuses a route step outside managedRoutes and one a router lacks, naming the step', () => {
    const header = {
      name: 'header',
      match: [
        { headerName: 'x', headerValue: { exact: '1' } },
        { headerName: 'y', headerValue: { exact: '2' } },
      ],
    };
    const problems = routeStepProblems({
      stableService: 'a',
      canaryService: 'b',
      trafficRouting: {
        managedRoutes: [{ name: 'header' }],
        nginx: { stableIngress: 'web' },
        istio: { virtualService: { name: 'web' } },
      },
      steps: [{ setWeight: 5 }, { setHeaderRoute: header }, { setMirrorRoute: { name: 'mirror' } }],
    });
    expect(problems).toEqual([
      {
        path: ['spec', 'strategy', 'canary', 'steps', 1, 'setHeaderRoute', 'match'],
        message: 'the nginx router routes by one header, not 2',
      },
      {
        path: ['spec', 'strategy', 'canary', 'steps', 2, 'setMirrorRoute', 'name'],
        message: '"mirror" is not one of trafficRouting.managedRoutes (header)',
      },
      {
        path: ['spec', 'strategy', 'canary', 'steps', 2, 'setMirrorRoute'],
        message: 'the nginx router does not support setMirrorRoute steps',
      },
    ]);
    const ro: Rollout = {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } } },
        strategy: { canary: { steps: [{ setHeaderRoute: { name: 'h' } }] } },
      },
    };
    expect(() => validateRollout(ro)).toThrow(
      'spec.strategy.canary.steps[0].setHeaderRoute.name: "h" is not one of trafficRouting.managedRoutes (none)',
    );
    // Malformed input, as lint may hand it over, finds nothing rather than failing.
    expect(routeStepProblems({ steps: [null, 'x'] } as never)).toEqual([]);
  });
});
