import { describe, expect, it } from 'vitest';
import { ROUTER_TARGET } from '../../../../test/support/router-contract.ts';
import { type HttpRouteRule, headerRule, mirrorRule, weightedRule } from './managed-rules.ts';

const canary = { name: 'web-canary', port: 80, weight: 30 };
const weighted: HttpRouteRule = {
  matches: [{ path: { type: 'PathPrefix', value: '/' } }, { path: { type: 'Exact', value: '/login' } }],
  filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'x', value: '1' }] } }],
  backendRefs: [{ name: 'web-stable', port: 80, weight: 70 }, canary],
};

describe('Gateway API header and mirror rules', () => {
  it('adds every header to each match of the weighted rule and sends to the canary alone', () => {
    const rule = headerRule(
      {
        name: 'header',
        match: [
          { headerName: 'x-canary', headerValue: { exact: 'yes' } },
          { headerName: 'x-user', headerValue: { prefix: 'beta.' } },
        ],
      },
      weighted,
      canary,
    );
    const headers = [
      { type: 'Exact', name: 'x-canary', value: 'yes' },
      { type: 'RegularExpression', name: 'x-user', value: '^beta\\..*' },
    ];
    expect(rule).toEqual({
      name: 'header',
      matches: [
        { path: { type: 'PathPrefix', value: '/' }, headers },
        { path: { type: 'Exact', value: '/login' }, headers },
      ],
      filters: weighted.filters,
      backendRefs: [{ name: 'web-canary', port: 80 }],
    });
    // Without matches of its own, the rule matches every request: so does the header rule, by header.
    expect(
      headerRule(
        { name: 'h', match: [{ headerName: 'a', headerValue: { regex: 'x|y' } }] },
        { backendRefs: [canary] },
        canary,
      ).matches,
    ).toEqual([{ headers: [{ type: 'RegularExpression', name: 'a', value: 'x|y' }] }]);
  });

  it('keeps the weighted backends on a mirror rule and adds a RequestMirror filter to the canary', () => {
    const rule = mirrorRule(
      {
        name: 'mirror',
        percentage: 25,
        match: [{ method: { exact: 'GET' }, path: { regex: '^/api' }, headers: { 'x-a': { exact: '1' } } }],
      },
      weighted,
      canary,
    );
    expect(rule.matches).toEqual([
      {
        path: { type: 'RegularExpression', value: '^/api' },
        method: 'GET',
        headers: [{ type: 'Exact', name: 'x-a', value: '1' }],
      },
    ]);
    expect(rule.backendRefs).toEqual(weighted.backendRefs);
    expect(rule.filters).toEqual([
      ...(weighted.filters ?? []),
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'web-canary', port: 80 }, percent: 25 } },
    ]);
  });

  it('refuses a method matched other than exactly, naming the route', () => {
    expect(() => mirrorRule({ name: 'm', match: [{ method: { prefix: 'G' } }] }, weighted, canary)).toThrow(
      'setMirrorRoute m: Gateway API matches a method only exactly (method.exact)',
    );
  });

  it('finds the weighted rule, skipping managed rules and rules with one of the Services', () => {
    const rules: HttpRouteRule[] = [
      { name: 'header', backendRefs: [{ name: 'web-stable' }, { name: 'web-canary' }] },
      { backendRefs: [{ name: 'web-canary' }] },
      weighted,
    ];
    const target = { ...ROUTER_TARGET, managedRoutes: ['header'] };
    expect(weightedRule(rules, 'shop', target)).toEqual({ rule: weighted, canary });
    expect(weightedRule(rules.slice(0, 2), 'shop', target)).toBeUndefined();
  });
});
