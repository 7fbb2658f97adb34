import { describe, expect, it } from 'vitest';
import { cloneJson } from './json-clone.ts';

describe('cloneJson', () => {
  it('copies nested objects and arrays so changing the copy leaves the original alone', () => {
    const original = {
      phase: 'Succeeded',
      history: [{ revision: 'a', objectsChanged: 0 }],
      inventory: { entries: [{ id: 'x' }, { id: 'y' }] },
    };
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    for (const h of copy.history) h.revision = 'b';
    copy.inventory.entries.push({ id: 'z' });
    copy.phase = 'Running';
    expect(original).toEqual({
      phase: 'Succeeded',
      history: [{ revision: 'a', objectsChanged: 0 }],
      inventory: { entries: [{ id: 'x' }, { id: 'y' }] },
    });
  });

  it('gives the same data structuredClone gives, undefined members and nulls included', () => {
    const original = { a: undefined, b: null, c: [1, 'two', true, null, { d: undefined }], e: {} };
    const copy = cloneJson(original);
    expect(copy).toStrictEqual(structuredClone(original));
    expect(Object.keys(copy)).toEqual(['a', 'b', 'c', 'e']);
    expect(copy.c).not.toBe(original.c);
  });

  it('returns primitives as they are', () => {
    expect(cloneJson(3)).toBe(3);
    expect(cloneJson('s')).toBe('s');
    expect(cloneJson(null)).toBeNull();
    expect(cloneJson(undefined)).toBeUndefined();
  });
});
