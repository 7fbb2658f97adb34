import { describe, expect, it } from 'vitest';
import { ROUTER_TARGET } from '../../../../test/support/router-contract.ts';
import {
  headerHttpRoute,
  mirrorHttpRoute,
  mirrorRouteNames,
  weightedHttpRoute,
} from './managed-http-routes.ts';
import type { VirtualService } from './virtual-service.ts';

const canary = { host: 'web-canary', port: { number: 8080 } };
const primary = {
  name: 'primary',
  route: [
    { destination: { host: 'web-stable', port: { number: 8080 } }, weight: 70 },
    { destination: canary, weight: 30 },
  ],
};

describe('Istio header and mirror routes', () => {
  it('makes each header match its own Istio match, all sent to the canary', () => {
    expect(
      headerHttpRoute(
        {
          name: 'header',
          match: [
            { headerName: 'x-canary', headerValue: { exact: 'yes' } },
            { headerName: 'x-user', headerValue: { prefix: 'beta-' } },
            { headerName: 'agent', headerValue: { regex: '.*Firefox.*' } },
          ],
        },
        canary,
      ),
    ).toEqual({
      name: 'header',
      match: [
        { headers: { 'x-canary': { exact: 'yes' } } },
        { headers: { 'x-user': { prefix: 'beta-' } } },
        { headers: { agent: { regex: '.*Firefox.*' } } },
      ],
      route: [{ destination: canary, weight: 100 }],
    });
  });

  it('keeps the weighted destinations on a mirror route and mirrors 100% unless told', () => {
    const route = mirrorHttpRoute(
      {
        name: 'mirror',
        match: [
          { method: { exact: 'POST' }, path: { regex: '^/api/v[12]/' }, headers: { 'x-a': { exact: '1' } } },
        ],
      },
      primary,
      canary,
    );
    expect(route).toEqual({
      name: 'mirror',
      match: [
        { method: { exact: 'POST' }, uri: { regex: '^/api/v[12]/' }, headers: { 'x-a': { exact: '1' } } },
      ],
      route: primary.route,
      mirror: canary,
      mirrorPercentage: { value: 100 },
    });
    // A copy: later weights on the mirror route do not move the weighted route's.
    expect(route.route).not.toBe(primary.route);
    expect(
      mirrorHttpRoute({ name: 'm', percentage: 5, match: [{}] }, primary, canary).mirrorPercentage,
    ).toEqual({
      value: 5,
    });
  });

  it('bases the routes on the named weighted route, never on a managed one', () => {
    const vs: VirtualService = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { http: [{ ...primary, name: 'mirror', mirror: canary }, { name: 'admin', route: [] }, primary] },
    };
    const roles = { by: 'host' as const, target: ROUTER_TARGET };
    expect(weightedHttpRoute(vs, roles, { routes: ['primary'] }, ['mirror'])?.route.name).toBe('primary');
    expect(weightedHttpRoute(vs, roles, {}, ['mirror'])?.canary).toEqual(canary);
    expect(weightedHttpRoute(vs, roles, { routes: ['admin'] }, ['mirror'])).toBeUndefined();
    expect(mirrorRouteNames(vs, ['mirror'])).toEqual(['mirror']);
    expect(mirrorRouteNames(vs, [])).toEqual([]);
  });
});
