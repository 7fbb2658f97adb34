import { describe, expect, it } from 'vitest';
import {
  compile,
  type EvaluationErrorCode,
  ExpressionEvaluationError,
  evaluate,
  evaluateCondition,
} from './index.ts';

const run = (source: string, env: Record<string, unknown> = {}): unknown => evaluate(compile(source), env);

function failure(source: string, env: Record<string, unknown> = {}): ExpressionEvaluationError {
  try {
    run(source, env);
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to fail`);
}

const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

describe('numbers', () => {
  it.each([
    ['1 + 2', 3],
    ['7 / 2', 3.5],
    ['4 / 2', 2],
    ['1 / 0', INF],
    ['-1 / 0', -INF],
    ['2 ** 10', 1024],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['1 == 1.0', true],
    ['0.1 + 0.2 > 0.3', true],
    ['-x', -2],
    ['+x', 2],
  ])('%s → %j', (source, expected) => {
    expect(run(source, { x: 2 })).toBe(expected);
  });

  it('compares NaN as false every way, and unequal to itself', () => {
    for (const op of ['<', '<=', '>', '>=', '==']) {
      expect(run(`x ${op} 1`, { x: NAN })).toBe(false);
      expect(run(`1 ${op} x`, { x: NAN })).toBe(false);
    }
    expect(run('x == x', { x: NAN })).toBe(false);
    expect(run('x != x', { x: NAN })).toBe(true);
    expect(run('x + 1', { x: NAN })).toBeNaN();
  });

  it('orders infinities', () => {
    expect(run('x > 1e308 && -x < -1e308', { x: INF })).toBe(true);
    expect(run('x == x', { x: INF })).toBe(true);
  });

  it('needs integers for %', () => {
    expect(failure('7.5 % 2').reason).toBe('invalid operation: % (mismatched types float and int)');
    expect(failure('7 % 0').reason).toBe('integer divide by zero');
  });

  it('does not mix types in arithmetic', () => {
    expect(failure('1 + "1"').reason).toBe('invalid operation: + (mismatched types int and string)');
    expect(failure('nil * 2').reason).toBe('invalid operation: * (mismatched types nil and int)');
    expect(failure('-"a"').reason).toBe('invalid operation: - (mismatched type string)');
  });
});

describe('comparison and equality', () => {
  it.each([
    ['"a" < "b"', true],
    ['"b" >= "b"', true],
    ['nil == nil', true],
    ['nil != 0', true],
    ['1 == "1"', false],
    ['[1, [2, 3]] == [1, [2, 3]]', true],
    ['[1, 2] == [2, 1]', false],
    ['{a: 1, b: [1]} == {b: [1], a: 1}', true],
    ['{a: 1} == {a: 1, b: 2}', false],
    ['true == true', true],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('refuses to order values of different kinds', () => {
    expect(failure('x < 1', { x: null }).reason).toBe('invalid operation: < (mismatched types nil and int)');
    expect(failure('"a" > 1').reason).toBe('invalid operation: > (mismatched types string and int)');
    expect(failure('[1] >= 1').reason).toBe('invalid operation: >= (mismatched types array and int)');
  });
});

describe('logic', () => {
  it('short-circuits', () => {
    expect(run('true || missing')).toBe(true);
    expect(run('false && missing')).toBe(false);
    expect(run('false and missing')).toBe(false);
  });

  it('needs booleans', () => {
    expect(failure('1 && true').reason).toBe('invalid operation: && (mismatched type int)');
    expect(failure('!1').reason).toBe('invalid operation: ! (mismatched type int)');
    expect(failure('1 ? 2 : 3').reason).toBe('invalid operation: ?: (mismatched type int)');
  });
});

describe('strings', () => {
  it.each([
    ['"foo" + "bar"', 'foobar'],
    ['"foobar" contains "oba"', true],
    ['"foobar" startsWith "foo"', true],
    ['"foobar" endsWith "bar"', true],
    ['"foobar" matches "^fo+b"', true],
    ['"foobar" not matches "^b"', true],
    ['"abc"[1]', 'b'],
    ['"abc"[-1]', 'c'],
    ['"abcdef"[1:3]', 'bc'],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('needs strings for string operators', () => {
    expect(failure('1 contains "1"').reason).toBe(
      'invalid operation: contains (mismatched types int and string)',
    );
  });
});

describe('members, indices and slices', () => {
  const env = { result: { data: { ok: true, values: [1, 2, 3] }, empty: null }, list: [10, 20, 30, 40] };

  it.each([
    ['result.data.ok', true],
    ['result["data"]["values"][1]', 2],
    ['result.missing', null],
    ['result.missing == nil', true],
    ['list[0]', 10],
    ['list[-1]', 40],
    ['list[1.9]', 20],
    ['list[1:3]', [20, 30]],
    ['list[:2]', [10, 20]],
    ['list[2:]', [30, 40]],
    ['list[:]', [10, 20, 30, 40]],
    ['list[1:-1]', [20, 30]],
    ['list[-10:10]', [10, 20, 30, 40]],
    ['list[3:1]', []],
    ['result.empty?.deep', null],
    ['result.empty?.deep.deeper[0]', null],
    ['result.empty?.[0]', null],
    ['result?.data?.ok', true],
    ['result.empty ?? "none"', 'none'],
    ['result.missing?.x ?? 5', 5],
    ['"data" in result', true],
    ['"nope" in result', false],
    ['20 in list', true],
    ['[1, 2] in [[1, 2]]', true],
    ['1 in nil', false],
  ])('%s → %j', (source, expected) => {
    expect(run(source, env)).toEqual(expected);
  });

  it.each<[string, EvaluationErrorCode, string]>([
    ['list[4]', 'missing', 'index out of range: 4 (array length is 4)'],
    ['list[-5]', 'missing', 'index out of range: -5 (array length is 4)'],
    ['result.empty.deep', 'missing', 'cannot fetch deep from nil'],
    ['list.first', 'type', 'cannot fetch first from array'],
    ['list["0"]', 'type', 'cannot fetch 0 from array'],
    ['result[0]', 'type', 'cannot fetch int 0 from map'],
    ['result.data.ok.x', 'type', 'cannot fetch x from bool'],
    ['1 in 2', 'type', 'operator "in" not defined on int'],
    ['1 in result', 'type', 'cannot use int as a key of map'],
    ['result[1:2]', 'type', 'cannot slice map'],
    ['nothing', 'unknown-name', 'unknown name nothing'],
  ])('%s fails (%s): %s', (source, code, reason) => {
    const error = failure(source, env);
    expect(error.code).toBe(code);
    expect(error.reason).toBe(reason);
  });

  it('locates runtime errors in the source', () => {
    const error = failure('result.data.ok &&\n  list[9] > 1', env);
    expect(error.position).toBe(24);
    expect(error.message).toBe('index out of range: 9 (array length is 4) (2:7)');
  });

  it('exposes the environment as $env', () => {
    expect(run('"list" in $env && $env["list"][0] == 10', env)).toBe(true);
  });
});

describe('literals', () => {
  it('builds arrays, maps and ranges', () => {
    expect(run('[1, "a", nil, true, [2]]')).toEqual([1, 'a', null, true, [2]]);
    expect(run('{"a": 1, b: {c: 2}}.b.c')).toBe(2);
    expect(run('1..5')).toEqual([1, 2, 3, 4, 5]);
    expect(run('5..1')).toEqual([]);
    expect(run('null == nil')).toBe(true);
  });

  it('needs integers for ranges', () => {
    expect(failure('1.5..3').reason).toBe('invalid operation: .. (mismatched types float and int)');
  });
});

describe('predicates', () => {
  const env = {
    result: [3, 8, 1],
    points: [
      { name: 'a', value: 2 },
      { name: 'b', value: 9 },
    ],
  };

  it.each([
    ['all(result, # > 0)', true],
    ['all([], # > 0)', true],
    ['any([], # > 0)', false],
    ['none([], # > 0)', true],
    ['one([], # > 0)', false],
    ['one(result, # > 5)', true],
    ['one(result, # > 2)', false],
    ['filter(result, # > 2)', [3, 8]],
    ['map(result, # * 2)', [6, 16, 2]],
    ['map(result, #index)', [0, 1, 2]],
    ['count(result, # > 2)', 2],
    ['count([true, false, true])', 2],
    ['sum(result)', 12],
    ['sum(points, .value)', 11],
    ['find(result, # > 2)', 3],
    ['find(result, # > 9)', null],
    ['findIndex(result, # > 5)', 1],
    ['findLast(result, # > 2)', 8],
    ['findLastIndex(result, # > 9)', -1],
    ['reduce(result, #acc + #)', 12],
    ['reduce(result, #acc + #, 100)', 112],
    ['reduce(result, #acc + #index, 0)', 3],
    ['map(points, .name)', ['a', 'b']],
    ['all(points, {.value > 1 && #.name != ""})', true],
    ['any(points, .name == "b" && .value > 5)', true],
    ['map(result, map(1..#, # * 10))[2]', [10]],
    ['filter(map(result, {{x: #}}), .x > 2) | len()', 2],
  ])('%s → %j', (source, expected) => {
    expect(run(source, env)).toEqual(expected);
  });

  it('needs an array and boolean predicates', () => {
    expect(failure('all(nil, # > 1)').reason).toBe('all() expects an array, got nil');
    expect(failure('all({a: 1}, # > 1)').reason).toBe('all() expects an array, got map');
    expect(failure('filter([1], #)').reason).toBe('predicate of filter() must return a bool, got int');
    expect(failure('reduce([], #acc + #)').reason).toBe('reduce() of an empty array needs an initial value');
    expect(failure('map([1], #acc)').reason).toBe('unknown pointer #acc');
  });
});

describe('evaluateCondition', () => {
  it('compiles once and accepts a compiled expression', () => {
    const compiled = compile('result > 1');
    expect(evaluateCondition(compiled, { result: 2 })).toBe(true);
    expect(evaluateCondition('result > 1', { result: 0 })).toBe(false);
  });

  it('requires a boolean', () => {
    const error = (() => {
      try {
        evaluateCondition('result', { result: [1] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ExpressionEvaluationError);
    expect(error).toMatchObject({ code: 'not-boolean' });
    expect((error as Error).message).toBe('expression did not return a boolean (got array): result');
  });
});
