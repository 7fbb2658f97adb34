import { describe, expect, it } from 'vitest';
import { keyText, referenceValues, ValuesReferenceError } from './values-from.ts';

describe('valuesFrom', () => {
  it('reads a values document from a ConfigMap key, values.yaml by default', () => {
    const ref = { kind: 'ConfigMap' as const, name: 'cfg' };
    expect(referenceValues(ref, keyText(ref, { data: { 'values.yaml': 'a: {b: 1}\n' } }))).toEqual({
      a: { b: 1 },
    });
  });

  it('decodes Secrets and sets a single value at targetPath as a string', () => {
    const ref = { kind: 'Secret' as const, name: 's', valuesKey: 'token', targetPath: 'auth.token' };
    const text = keyText(ref, { data: { token: Buffer.from('42').toString('base64') } });
    expect(referenceValues(ref, text)).toEqual({ auth: { token: '42' } });
  });

  it('skips a missing optional reference and refuses a missing required one, naming it', () => {
    expect(referenceValues({ kind: 'ConfigMap', name: 'x', optional: true }, undefined)).toBeUndefined();
    expect(() => referenceValues({ kind: 'Secret', name: 'x', valuesKey: 'v.yaml' }, undefined)).toThrow(
      'valuesFrom Secret x key v.yaml not found',
    );
  });

  it('refuses values that are not a mapping and target paths it cannot follow', () => {
    expect(() => referenceValues({ kind: 'ConfigMap', name: 'x' }, '- a\n- b\n')).toThrow(
      ValuesReferenceError,
    );
    expect(() => referenceValues({ kind: 'ConfigMap', name: 'x', targetPath: 'a[0]' }, 'v')).toThrow(
      /targetPath "a\[0\]" must be dot-separated keys/,
    );
  });
});
