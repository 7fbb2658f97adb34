import { describe, expect, it } from 'vitest';
import { PauseState } from './pause.ts';

const now = new Date('2026-01-01T00:00:10Z');

describe('PauseState', () => {
  it('adds a pause once, with its start time, and marks controllerPause', () => {
    const p = new PauseState({});
    p.addPause('CanaryPauseStep');
    expect(p.result(now)).toEqual({
      abort: undefined,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:10Z' }],
      controllerPause: true,
    });
  });

  it('keeps an existing pause with its original start time', () => {
    const cond = { reason: 'CanaryPauseStep' as const, startTime: '2026-01-01T00:00:00Z' };
    const p = new PauseState({ pauseConditions: [cond], controllerPause: true });
    p.addPause('CanaryPauseStep');
    expect(p.result(now).pauseConditions).toEqual([cond]);
  });

  it('reads cleared conditions with controllerPause as a resume, and forgets it once acted on', () => {
    const p = new PauseState({ controllerPause: true });
    expect(p.resumedByUser).toBe(true);
    expect(p.result(now).controllerPause).toBeUndefined();
    expect(p.result(now, true).controllerPause).toBe(true);
  });

  it('an abort drops every pause and wins over new ones', () => {
    const p = new PauseState({
      pauseConditions: [{ reason: 'BlueGreenPause', startTime: 'x' }],
      controllerPause: true,
    });
    p.addPause('InconclusiveAnalysisRun');
    p.requestAbort({ reason: 'AnalysisRunFailed', message: 'boom' });
    expect(p.aborted).toBe(true);
    expect(p.newAbort?.message).toBe('boom');
    expect(p.result(now)).toEqual({ abort: true, pauseConditions: undefined, controllerPause: undefined });
  });

  it('an abort already in status is not a new one; removing it clears it', () => {
    const p = new PauseState({ abort: true });
    p.requestAbort({ reason: 'X', message: 'again' });
    expect(p.newAbort).toBeUndefined();
    p.removeAbort();
    expect(p.aborted).toBe(false);
    expect(p.result(now).abort).toBeUndefined();
  });
});
