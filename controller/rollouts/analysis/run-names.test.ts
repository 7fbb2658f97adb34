import { describe, expect, it } from 'vitest';
import { baseRunName, isRunOf, runNameForSlot, runsToDelete, successorName } from './run-names.ts';

describe('AnalysisRun names', () => {
  it('derive from rollout, hash and slot, plus an epoch after an abort', () => {
    expect(baseRunName('web', 'abc', { type: 'step', stepIndex: 2 }, undefined)).toBe('web-abc-2');
    expect(baseRunName('web', 'abc', { type: 'pre-promotion' }, undefined)).toBe('web-abc-pre');
    const after = baseRunName('web', 'abc', { type: 'background' }, '2026-01-01T00:00:00.123Z');
    expect(after).toMatch(/^web-abc-background-[a-z0-9]+$/);
    expect(after).not.toBe(baseRunName('web', 'abc', { type: 'background' }, '2026-01-01T00:00:00.124Z'));
  });

  it('recognise re-runs of a base name', () => {
    expect(isRunOf('web-abc-2', 'web-abc-2')).toBe(true);
    expect(isRunOf('web-abc-2.3', 'web-abc-2')).toBe(true);
    expect(isRunOf('web-abc-20', 'web-abc-2')).toBe(false);
    expect(successorName('web-abc-2', 'web-abc-2')).toBe('web-abc-2.1');
    expect(successorName('web-abc-2.1', 'web-abc-2')).toBe('web-abc-2.2');
  });

  it('keep the run status recorded, so a restart finds the same run', () => {
    const recorded = { name: 'web-abc-2', status: 'Running' as const };
    expect(
      runNameForSlot({
        base: 'web-abc-2',
        recorded,
        recordedPhase: 'Running',
        resumedFromInconclusive: false,
      }),
    ).toBe('web-abc-2');
    expect(
      runNameForSlot({
        base: 'web-abc-2-xyz',
        recorded,
        recordedPhase: 'Failed',
        resumedFromInconclusive: false,
      }),
    ).toBe('web-abc-2-xyz');
  });

  it('start a fresh run only after a person resumed from an inconclusive one', () => {
    const recorded = { name: 'web-abc-2', status: 'Inconclusive' as const };
    const args = { base: 'web-abc-2', recorded, recordedPhase: 'Inconclusive' as const };
    expect(runNameForSlot({ ...args, resumedFromInconclusive: false })).toBe('web-abc-2');
    expect(runNameForSlot({ ...args, resumedFromInconclusive: true })).toBe('web-abc-2.1');
  });

  it('trim finished runs beyond the history limits, newest kept', () => {
    const runs = [
      { name: 'a', phase: 'Successful' as const, creationTimestamp: '2026-01-01T00:00:01Z' },
      { name: 'b', phase: 'Successful' as const, creationTimestamp: '2026-01-01T00:00:02Z' },
      { name: 'c', phase: 'Failed' as const, creationTimestamp: '2026-01-01T00:00:03Z' },
      { name: 'd', phase: 'Running' as const, creationTimestamp: '2026-01-01T00:00:00Z' },
    ];
    expect(runsToDelete(runs, { successful: 1, unsuccessful: 1 })).toEqual(['a']);
    expect(runsToDelete(runs, { successful: 0, unsuccessful: 0 })).toEqual(['b', 'a', 'c']);
  });
});
