import { describe, expect, it } from 'vitest';
import type { CanaryStep } from '../../api/rollout.ts';
import { routeStepWrites } from './route-steps.ts';

const header = { name: 'h', match: [{ headerName: 'x', headerValue: { exact: '1' } }] };
const mirror = { name: 'm', match: [{ path: { prefix: '/' } }] };
const steps: CanaryStep[] = [
  { setWeight: 10 },
  { setHeaderRoute: header },
  { setMirrorRoute: mirror },
  { setHeaderRoute: { name: 'h' } },
];
const base = { steps, index: 1, updating: true, aborted: false, promoteFull: false };

describe('route steps', () => {
  it('writes the current step’s route only', () => {
    expect(routeStepWrites(base)).toEqual({ headerRoutes: [header], mirrorRoutes: [] });
    expect(routeStepWrites({ ...base, index: 2 })).toEqual({ headerRoutes: [], mirrorRoutes: [mirror] });
    expect(routeStepWrites({ ...base, index: 3 })).toEqual({
      headerRoutes: [{ name: 'h' }],
      mirrorRoutes: [],
    });
    expect(routeStepWrites({ ...base, index: 0 })).toEqual({ headerRoutes: [], mirrorRoutes: [] });
    expect(routeStepWrites({ ...base, index: 4 })).toEqual({ headerRoutes: [], mirrorRoutes: [] });
  });

  it('removes every route the steps name, once each, on abort and on a full promotion', () => {
    const removeAll = { headerRoutes: [{ name: 'h' }], mirrorRoutes: [{ name: 'm' }] };
    expect(routeStepWrites({ ...base, aborted: true })).toEqual(removeAll);
    expect(routeStepWrites({ ...base, promoteFull: true })).toEqual(removeAll);
  });

  it('writes nothing outside an update: the first deploy runs no steps, and promotion removes them with the weight', () => {
    expect(routeStepWrites({ ...base, updating: false })).toEqual({ headerRoutes: [], mirrorRoutes: [] });
    expect(routeStepWrites({ ...base, updating: false, aborted: true })).toEqual({
      headerRoutes: [],
      mirrorRoutes: [],
    });
  });
});
