import { describe, expect, it } from 'vitest';
import {
  prefixRegex,
  replaceListPatch,
  routeStepNotSupported,
  withManagedItem,
  withoutManagedItems,
} from './managed-routes.ts';

const managed = ['header', 'mirror'];

describe('managed routes in a list of routes', () => {
  it('puts managed routes first in managedRoutes order, keeping the user routes in theirs', () => {
    const user = [{ name: 'b' }, { name: 'a' }, {}];
    const withMirror = withManagedItem(user, 'mirror', { name: 'mirror' }, managed);
    expect(withMirror.map((r) => r.name)).toEqual(['mirror', 'b', 'a', undefined]);
    const both = withManagedItem(withMirror, 'header', { name: 'header' }, managed);
    expect(both.map((r) => r.name)).toEqual(['header', 'mirror', 'b', 'a', undefined]);
  });

  it('replaces a route of the same name, and removes it when given none', () => {
    const list = [{ name: 'header', v: 1 }, { name: 'a' }];
    expect(withManagedItem(list, 'header', { name: 'header', v: 2 }, managed)).toEqual([
      { name: 'header', v: 2 },
      { name: 'a' },
    ]);
    expect(withManagedItem(list, 'header', undefined, managed)).toEqual([{ name: 'a' }]);
    expect(withoutManagedItems([{ name: 'mirror' }, { name: 'a' }, { name: 'header' }], managed)).toEqual([
      { name: 'a' },
    ]);
  });

  it('replaces a list only when it changed, guarded by a test of what was read', () => {
    expect(replaceListPatch('/spec/http', [{ name: 'a' }], [{ name: 'a' }])).toEqual([]);
    expect(replaceListPatch('/spec/http', [{ name: 'a' }], [])).toEqual([
      { op: 'test', path: '/spec/http', value: [{ name: 'a' }] },
      { op: 'replace', path: '/spec/http', value: [] },
    ]);
  });

  it('anchors a prefix as a regular expression, escaping its special characters', () => {
    expect(prefixRegex('beta-1.2 (x)')).toBe('^beta-1\\.2 \\(x\\).*');
    expect(new RegExp(prefixRegex('a.b')).test('a.bc')).toBe(true);
    expect(new RegExp(prefixRegex('a.b')).test('axbc')).toBe(false);
  });

  it('names the router and the step it refuses', () => {
    expect(routeStepNotSupported('smi', 'setMirrorRoute')).toMatchObject({
      reason: 'SetMirrorRouteNotSupported',
      message: 'the smi router does not support setMirrorRoute steps',
    });
  });
});
