import { describe, expect, it } from 'vitest';
import {
  type Condition,
  findCondition,
  isTrue,
  markFailed,
  markReady,
  markReconciling,
  removeCondition,
  setCondition,
} from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T00:05:00.456Z');
const types = (list: Condition[]) => list.map((c) => `${c.type}=${c.status}`);

describe('setCondition', () => {
  it('adds a condition with the time of the change, in whole seconds', () => {
    expect(
      setCondition(undefined, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }, t0),
    ).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message: 'ok',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
  });

  it('keeps lastTransitionTime while the status stays the same, updating reason and message', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'one' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'two' }, t1);
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'B',
        message: 'two',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
  });

  it('moves lastTransitionTime when the status flips', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: '' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'A', message: '' }, t1);
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
  });

  it('replaces in place, leaves other types alone and does not change its input', () => {
    const list = [
      setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: '' }, t0)[0] as Condition,
      setCondition([], { type: 'Healthy', status: 'True', reason: 'H', message: '' }, t0)[0] as Condition,
    ];
    const before = structuredClone(list);
    const out = setCondition(list, { type: 'Ready', status: 'True', reason: 'B', message: '' }, t1);
    expect(types(out)).toEqual(['Ready=True', 'Healthy=True']);
    expect(list).toEqual(before);
  });

  it('keeps long messages readable', () => {
    const [c] = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'A', message: 'x'.repeat(10_000) },
      t0,
    );
    expect(c?.message).toHaveLength(4096);
    expect(c?.message.endsWith('...')).toBe(true);
  });
});

describe('findCondition, isTrue and removeCondition', () => {
  const list = setCondition(
    setCondition([], { type: 'Ready', status: 'True', reason: 'A', message: '' }, t0),
    { type: 'Stalled', status: 'False', reason: 'B', message: '' },
    t0,
  );

  it('find and test by type', () => {
    expect(findCondition(list, 'Stalled')?.reason).toBe('B');
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
    expect(isTrue(list, 'Ready')).toBe(true);
    expect(isTrue(list, 'Stalled')).toBe(false);
    expect(isTrue(list, 'Missing')).toBe(false);
  });

  it('remove by type', () => {
    expect(types(removeCondition(list, 'Ready'))).toEqual(['Stalled=False']);
    expect(removeCondition(undefined, 'Ready')).toEqual([]);
  });
});

describe('kstatus helpers', () => {
  const stalled = markFailed(
    undefined,
    1,
    { reason: 'AuthenticationFailed', errorClass: 'stalling' },
    'denied',
  );

  it('markReady sets Ready=True and drops Reconciling and Stalled', () => {
    const reconciling = markReconciling(stalled, 2, 'Progressing', 'fetching');
    const ready = markReady(reconciling, 2, 'Succeeded', 'stored revision main@sha1:abc');
    expect(types(ready)).toEqual(['Ready=True']);
    expect(ready[0]).toMatchObject({
      reason: 'Succeeded',
      message: 'stored revision main@sha1:abc',
      observedGeneration: 2,
    });
  });

  it('markFailed with a stalling error sets Ready=False and Stalled=True, without Reconciling', () => {
    const reconciling = markReconciling(undefined, 1, 'Progressing', 'working');
    const out = markFailed(
      reconciling,
      1,
      { reason: 'AuthenticationFailed', errorClass: 'stalling' },
      'denied',
    );
    expect(types(out)).toEqual(['Ready=False', 'Stalled=True']);
    expect(findCondition(out, 'Stalled')).toMatchObject({
      reason: 'AuthenticationFailed',
      message: 'denied',
    });
    expect(findCondition(out, 'Ready')).toMatchObject({
      reason: 'AuthenticationFailed',
      observedGeneration: 1,
    });
  });

  it('markFailed with a transient error sets Ready=False and Reconciling=True, without Stalled', () => {
    for (const errorClass of ['transient', 'waiting']) {
      const out = markFailed(stalled, 1, { reason: 'GitOperationFailed', errorClass }, 'connection refused');
      expect(types(out), errorClass).toEqual(['Ready=False', 'Reconciling=True']);
      expect(findCondition(out, 'Reconciling')).toMatchObject({
        reason: 'ProgressingWithRetry',
        message: 'connection refused',
      });
    }
  });

  it('a repeated failure keeps the time Ready first went False', () => {
    const first = markFailed(undefined, 1, { reason: 'X', errorClass: 'transient' }, 'one');
    const again = markFailed(first, 1, { reason: 'Y', errorClass: 'transient' }, 'two');
    expect(findCondition(again, 'Ready')?.lastTransitionTime).toBe(
      findCondition(first, 'Ready')?.lastTransitionTime,
    );
    expect(findCondition(again, 'Ready')?.reason).toBe('Y');
  });

  it('markReconciling sets Reconciling=True and drops Stalled', () => {
    const out = markReconciling(stalled, 2, 'Progressing', 'retrying');
    expect(types(out)).toEqual(['Ready=False', 'Reconciling=True']);
  });
});
