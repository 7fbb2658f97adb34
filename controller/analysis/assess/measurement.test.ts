import { describe, expect, it } from 'vitest';
import { assessMeasurement, missingData } from './measurement.ts';

const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

describe('assessMeasurement: Argo Rollouts rules', () => {
  it.each<[string, { successCondition?: string; failureCondition?: string }, string]>([
    ['both, failure true', { successCondition: 'true', failureCondition: 'true' }, 'Failed'],
    ['both, success true', { successCondition: 'true', failureCondition: 'false' }, 'Successful'],
    ['both, neither true', { successCondition: 'false', failureCondition: 'false' }, 'Inconclusive'],
    ['only success, true', { successCondition: 'result > 1' }, 'Successful'],
    ['only success, false', { successCondition: 'result > 10' }, 'Failed'],
    ['only failure, true', { failureCondition: 'result > 1' }, 'Failed'],
    ['only failure, false', { failureCondition: 'result > 10' }, 'Successful'],
    ['none', {}, 'Successful'],
    ['blank conditions are unset', { successCondition: '  ', failureCondition: '' }, 'Successful'],
  ])('%s → %s', (_, metric, phase) => {
    expect(assessMeasurement(5, metric).phase).toBe(phase);
  });

  it('says why', () => {
    expect(assessMeasurement(5, { successCondition: 'result > 1', failureCondition: 'result > 9' })).toEqual({
      phase: 'Successful',
      message: 'successCondition is true and failureCondition is false',
    });
    expect(assessMeasurement(5, { successCondition: 'result > 9' })).toEqual({
      phase: 'Failed',
      message: 'successCondition is false',
    });
    expect(assessMeasurement(5, { successCondition: 'result > 9', failureCondition: 'result < 1' })).toEqual({
      phase: 'Inconclusive',
      message: 'neither successCondition nor failureCondition is true',
    });
  });

  it('an expression that does not compile is an Error naming the condition and position', () => {
    expect(assessMeasurement([1], { successCondition: 'result[0] >= )' })).toEqual({
      phase: 'Error',
      message: 'invalid successCondition: unexpected token ")" at line 1, column 14',
    });
    expect(
      assessMeasurement([1], { successCondition: 'true', failureCondition: 'result[0] >' }).message,
    ).toBe('invalid failureCondition: unexpected end of expression at line 1, column 12');
  });

  it('an evaluation error is an Error with the error message', () => {
    expect(assessMeasurement([1], { successCondition: 'result[3] > 1' })).toEqual({
      phase: 'Error',
      message: 'successCondition "result[3] > 1" failed: index out of range: 3 (array length is 1) (1:7)',
    });
    expect(assessMeasurement('x', { failureCondition: 'result > 1' }).phase).toBe('Error');
    expect(assessMeasurement(1, { successCondition: 'result' }).message).toMatch(/did not return a boolean/);
    const long = `result[5] > 1 &&\n ${'result[0] > 0 && '.repeat(10)}true`;
    expect(assessMeasurement([1], { successCondition: long }).message).toMatch(
      /^successCondition "result\[5\] > 1 && result\[0\] > 0 .{48}…" failed: index out of range: 5 \(array length is 1\) \(1:7\)$/,
    );
  });

  it('judges NaN and infinities as values when they are not the whole result', () => {
    expect(assessMeasurement([NAN, 0.5], { successCondition: 'result[1] < 1' }).phase).toBe('Successful');
    expect(assessMeasurement([NAN, 0.5], { successCondition: 'all(result, # < 1)' }).phase).toBe('Failed');
    expect(assessMeasurement(INF, { successCondition: 'result < 0.05' }).phase).toBe('Failed');
    expect(assessMeasurement(INF, { failureCondition: 'isInf(result)' }).phase).toBe('Failed');
  });
});

describe('assessMeasurement: missing data is never a success', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['empty vector', []],
  ])('%s with conditions that ignore emptiness is Inconclusive', (_, value) => {
    for (const metric of [
      { successCondition: 'all(result, # < 1000)' }, // vacuously true on an empty vector
      { failureCondition: 'any(result, # > 0.05)' }, // vacuously false, so Argo says Successful
      { successCondition: 'result[0] >= 0.95' }, // Argo: index out of range → Error
      { successCondition: 'true' },
      {},
    ]) {
      expect(assessMeasurement(value, metric)).toEqual({
        phase: 'Inconclusive',
        message: 'query returned no data; a condition must handle this explicitly to decide',
      });
    }
  });

  it('a condition that handles emptiness decides', () => {
    expect(assessMeasurement([], { successCondition: 'len(result) == 0 || result[0] >= 0.95' }).phase).toBe(
      'Successful',
    );
    expect(assessMeasurement([], { successCondition: 'len(result) > 0 && result[0] >= 0.95' }).phase).toBe(
      'Failed',
    );
    expect(assessMeasurement([], { successCondition: 'default(result[0], 0) >= 0.9' }).phase).toBe('Failed');
    expect(assessMeasurement(null, { successCondition: 'default(result, 0) < 10' }).phase).toBe('Successful');
    expect(assessMeasurement(null, { failureCondition: 'isNil(result)' }).phase).toBe('Failed');
    expect(assessMeasurement(null, { successCondition: '(result ?? 0) < 1' }).phase).toBe('Successful');
    expect(assessMeasurement(null, { successCondition: 'result != nil && result < 1' }).phase).toBe('Failed');
  });

  it('one condition handling emptiness lets both decide', () => {
    const metric = { successCondition: 'len(result) == 0', failureCondition: 'all(result, # > 1)' };
    expect(assessMeasurement([], metric).phase).toBe('Failed');
  });

  it('a result of only NaN is missing data unless a condition calls isNaN', () => {
    const message = 'query returned only NaN (no data); a condition must handle this explicitly to decide';
    expect(assessMeasurement(NAN, { failureCondition: 'result > 0.05' })).toEqual({
      phase: 'Inconclusive',
      message,
    });
    expect(assessMeasurement([NAN], { failureCondition: 'result[0] > 0.05' })).toEqual({
      phase: 'Inconclusive',
      message,
    });
    expect(assessMeasurement([NAN, NAN], { successCondition: 'all(result, # < 1)' }).phase).toBe(
      'Inconclusive',
    );
    expect(assessMeasurement(NAN, { successCondition: 'isNaN(result) || result >= 0.95' }).phase).toBe(
      'Successful',
    );
    expect(assessMeasurement([NAN], { successCondition: '!isNaN(result[0]) && result[0] < 1' }).phase).toBe(
      'Failed',
    );
    // len() handles emptiness, not NaN.
    expect(assessMeasurement([NAN], { successCondition: 'len(result) == 0 || result[0] < 1' }).phase).toBe(
      'Inconclusive',
    );
  });

  it('a condition that is not a string is an Error', () => {
    expect(assessMeasurement(1, { successCondition: true as unknown as string })).toEqual({
      phase: 'Error',
      message: 'invalid successCondition: not a string',
    });
  });

  it('syntax errors are reported before the missing-data rule', () => {
    expect(assessMeasurement([], { successCondition: 'result[' }).phase).toBe('Error');
  });

  it('classifies values', () => {
    expect(missingData(null)).toBe('empty');
    expect(missingData(undefined)).toBe('empty');
    expect(missingData([])).toBe('empty');
    expect(missingData(NAN)).toBe('nan');
    expect(missingData([NAN, NAN])).toBe('nan');
    expect(missingData([NAN, 1])).toBeUndefined();
    expect(missingData(0)).toBeUndefined();
    expect(missingData('')).toBeUndefined();
    expect(missingData({})).toBeUndefined();
    expect(missingData(false)).toBeUndefined();
  });
});
