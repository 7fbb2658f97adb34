import { describe, expect, it } from 'vitest';
import { desiredDigest, nothingToPrune } from './digest.ts';
import { type DesiredObject, prepare } from './manifest.ts';

const scopeOf = () => true;

function desired(data: Record<string, string>, name = 'settings', wave?: string): DesiredObject[] {
  return prepare(
    [
      {
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, ...(wave ? { annotations: { 'sluice.dev/sync-wave': wave } } : {}) },
          data,
        },
        source: 'cm.yaml',
      },
    ],
    { app: { name: 'shop', namespace: 'apps' }, targetNamespace: undefined, scopeOf },
  );
}

describe('desiredDigest', () => {
  it('is the same for the same objects rendered from another revision', () => {
    expect(desiredDigest(desired({ a: '1' }))).toBe(desiredDigest(desired({ a: '1' })));
  });

  it('changes with any field, the name, or the set of objects', () => {
    const base = desiredDigest(desired({ a: '1' }));
    expect(desiredDigest(desired({ a: '2' }))).not.toBe(base);
    expect(desiredDigest(desired({ a: '1' }, 'other'))).not.toBe(base);
    expect(desiredDigest(desired({ a: '1' }, 'settings', '1'))).not.toBe(base);
    expect(desiredDigest([...desired({ a: '1' }), ...desired({ a: '1' }, 'more')])).not.toBe(base);
    expect(desiredDigest([])).not.toBe(base);
  });
});

describe('nothingToPrune', () => {
  const objects = desired({ a: '1' });
  const id = (objects[0] as DesiredObject).id;

  it('is true when every previous entry is still desired', () => {
    expect(nothingToPrune([], objects)).toBe(true);
    expect(nothingToPrune([{ id, v: 'v1' }], objects)).toBe(true);
  });

  it('is false when an object left git', () => {
    expect(
      nothingToPrune(
        [
          { id, v: 'v1' },
          { id: 'apps_gone__ConfigMap', v: 'v1' },
        ],
        objects,
      ),
    ).toBe(false);
  });
});
