import { describe, expect, it } from 'vitest';
import { createMergePatch, deepEqual } from './merge-patch.ts';

describe('createMergePatch', () => {
  it('returns undefined for equal documents', () => {
    expect(createMergePatch({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBeUndefined();
  });

  it('sets changed and new keys, nulls removed ones', () => {
    expect(createMergePatch({ a: 1, b: 2, n: { x: 1, y: 2 } }, { a: 1, c: 3, n: { x: 1, y: 3 } })).toEqual({
      b: null,
      c: 3,
      n: { y: 3 },
    });
  });

  it('replaces arrays whole', () => {
    expect(createMergePatch({ l: [1, 2, 3] }, { l: [1, 2] })).toEqual({ l: [1, 2] });
  });

  it('treats undefined members as absent', () => {
    expect(createMergePatch({ a: 1 }, { a: 1, b: undefined })).toBeUndefined();
    expect(createMergePatch({ a: 1, b: 2 }, { a: 1, b: undefined })).toEqual({ b: null });
  });

  it('finds equality and change at any depth, undefined members counting as absent there too', () => {
    const status = { op: { phase: 'Succeeded', hooks: [{ name: 'h' }] }, inv: { entries: [{ id: 'x' }] } };
    expect(createMergePatch(status, { ...status, op: { ...status.op, extra: undefined } })).toBeUndefined();
    expect(createMergePatch(status, { ...status, op: { ...status.op, phase: 'Running' } })).toEqual({
      op: { phase: 'Running' },
    });
    expect(createMergePatch({ a: { b: 1 } }, { a: [1] })).toEqual({ a: [1] });
    expect(createMergePatch({ a: [1] }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
    expect(createMergePatch({ a: { b: 1 } }, { a: 'x' })).toEqual({ a: 'x' });
  });

  it('patches from nothing', () => {
    expect(createMergePatch(undefined, { a: 1 })).toEqual({ a: 1 });
  });
});

describe('deepEqual', () => {
  it('compares nested data', () => {
    expect(deepEqual({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBe(true);
    expect(deepEqual({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(deepEqual([], {})).toBe(false);
  });

  it('counts undefined members as absent, on either side', () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(deepEqual({ a: undefined }, { b: undefined })).toBe(true);
  });
});
