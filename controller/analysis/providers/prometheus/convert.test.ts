import { describe, expect, it } from 'vitest';
import { ProviderBadResponseError } from '../provider-errors.ts';
import { convertResult, parseSampleValue } from './convert.ts';

describe('parseSampleValue', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['-2.5', -2.5],
    ['0.25', 0.25],
    ['1e-7', 1e-7],
    ['1.5E+21', 1.5e21],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
  ])('%s → %d', (raw, expected) => {
    expect(parseSampleValue(raw)).toBe(expected);
  });

  it('NaN → NaN', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
  });

  it.each(['', ' 1', 'abc', '1,5', '0x10', 'infinity', 'nan'])('rejects %j', (raw) => {
    expect(() => parseSampleValue(raw)).toThrow(ProviderBadResponseError);
  });

  it('rejects a number sent as a JSON number instead of a string', () => {
    expect(() => parseSampleValue(1)).toThrow(/not a string/);
  });
});

const sample = (value: string, labels: Record<string, string> = {}) => ({
  metric: labels,
  value: [1_700_000_000.123, value],
});

describe('convertResult', () => {
  it('vector → one number per series, in order', () => {
    const result = convertResult('vector', [sample('0.25', { code: '500' }), sample('10', { code: '200' })]);
    expect(result).toEqual({ value: [0.25, 10], text: '[0.25,10]', resultType: 'vector', seriesCount: 2 });
  });

  it('empty vector → empty array, so "no data" stays visible', () => {
    expect(convertResult('vector', [])).toEqual({
      value: [],
      text: '[]',
      resultType: 'vector',
      seriesCount: 0,
    });
  });

  it('vector with special values', () => {
    const result = convertResult('vector', [sample('NaN'), sample('+Inf'), sample('-Inf')]);
    expect(result.value).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(result.text).toBe('[NaN,+Inf,-Inf]');
  });

  it('scalar → number', () => {
    expect(convertResult('scalar', [1_700_000_000, '42'])).toEqual({
      value: 42,
      text: '42',
      resultType: 'scalar',
      seriesCount: undefined,
    });
  });

  it.each([
    ['NaN', Number.NaN],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
  ])('scalar %s', (raw, expected) => {
    const result = convertResult('scalar', [1_700_000_000, raw]);
    expect(result.value).toBe(expected);
    expect(result.text).toBe(raw);
  });

  it('string → string', () => {
    expect(convertResult('string', [1_700_000_000, 'hello'])).toEqual({
      value: 'hello',
      text: 'hello',
      resultType: 'string',
      seriesCount: undefined,
    });
  });

  it('matrix → every sample of every series, flattened as Argo does', () => {
    const matrix = [
      {
        metric: { pod: 'a' },
        values: [
          [1, '1'],
          [2, '2'],
        ],
      },
      { metric: { pod: 'b' }, values: [[1, 'NaN']] },
    ];
    const result = convertResult('matrix', matrix);
    expect(result.value).toEqual([1, 2, Number.NaN]);
    expect(result.text).toBe('[1,2,NaN]');
    expect(result.seriesCount).toBe(2);
  });

  it('empty matrix → empty array', () => {
    expect(convertResult('matrix', []).value).toEqual([]);
  });

  it.each([
    ['vector', {}],
    ['vector', [{ metric: {}, value: ['1', '1'] }]],
    ['vector', [{ metric: {}, value: [1] }]],
    ['vector', [{ metric: {}, value: [1, 'x'] }]],
    ['vector', [null]],
    ['scalar', '1'],
    ['scalar', [1, 2]],
    ['string', [1, 2]],
    ['matrix', [{ metric: {} }]],
    ['matrix', [{ metric: {}, values: [[1, '1', 3]] }]],
  ])('malformed %s result %j → unexpected-shape', (type, result) => {
    const error = catchError(() => convertResult(type, result));
    expect(error).toBeInstanceOf(ProviderBadResponseError);
    expect(error).toMatchObject({ kind: 'bad-response', reason: 'unexpected-shape' });
  });

  it('native histogram samples are reported, not misread', () => {
    const error = catchError(() => convertResult('vector', [{ metric: {}, histogram: [1, { count: '1' }] }]));
    expect(error).toMatchObject({
      reason: 'unexpected-shape',
      message: expect.stringMatching(/native histogram/),
    });
  });

  it.each(['streams', undefined, 7])('unknown result type %j', (type) => {
    const error = catchError(() => convertResult(type, []));
    expect(error).toMatchObject({ kind: 'bad-response', reason: 'unknown-result-type' });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
