import { describe, expect, it } from 'vitest';
import { reconcileRequest } from './meta.ts';

const OURS = 'sluice.dev/reconcile-requested-at';
const FLUX = 'reconcile.fluxcd.io/requestedAt';

describe('reconcileRequest', () => {
  it("takes ours or Flux's, whichever is there", () => {
    expect(reconcileRequest(undefined)).toBeUndefined();
    expect(reconcileRequest({ [OURS]: '1700000000000' })).toBe('1700000000000');
    expect(reconcileRequest({ [FLUX]: '2026-01-02T03:04:05.123456789Z' })).toBe(
      '2026-01-02T03:04:05.123456789Z',
    );
  });

  it('takes the later of the two, ours when they cannot be compared', () => {
    const older = String(Date.parse('2026-01-01T00:00:00Z'));
    expect(reconcileRequest({ [OURS]: older, [FLUX]: '2026-01-02T00:00:00Z' })).toBe('2026-01-02T00:00:00Z');
    expect(reconcileRequest({ [OURS]: '2026-01-03T00:00:00Z', [FLUX]: '2026-01-02T00:00:00Z' })).toBe(
      '2026-01-03T00:00:00Z',
    );
    expect(reconcileRequest({ [OURS]: 'now-1', [FLUX]: 'later' })).toBe('now-1');
  });
});
