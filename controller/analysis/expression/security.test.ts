// The expression language must never reach JavaScript objects, prototypes or functions: only
// own data of plain objects and arrays can be read, and only builtins can be called.

import { afterEach, describe, expect, it } from 'vitest';
import {
  compile,
  DEFAULT_LIMITS,
  ExpressionBudgetError,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  evaluate,
  evaluateCondition,
} from './index.ts';

const run = (source: string, env: Record<string, unknown>): unknown => evaluate(compile(source), env);

function outcome(source: string, env: Record<string, unknown>): unknown {
  try {
    return { value: run(source, env) };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return { syntax: error.reason };
    if (error instanceof ExpressionEvaluationError) return { code: error.code, reason: error.reason };
    throw error;
  }
}

afterEach(() => {
  // Nothing an expression does may leak into the shared prototypes.
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('prototype access', () => {
  const map = { result: { value: 1 } };
  const vector = { result: [0.5] };

  it.each<[string, Record<string, unknown>, unknown]>([
    ['result.constructor', map, { code: 'forbidden', reason: 'field constructor is not accessible' }],
    ['result["constructor"]', map, { code: 'forbidden', reason: 'field constructor is not accessible' }],
    ['result["__proto__"]', map, { code: 'forbidden', reason: 'field __proto__ is not accessible' }],
    ['result.__proto__', map, { code: 'forbidden', reason: 'field __proto__ is not accessible' }],
    ['result.prototype', map, { code: 'forbidden', reason: 'field prototype is not accessible' }],
    [
      'result["__lookupGetter__"]',
      map,
      { code: 'forbidden', reason: 'field __lookupGetter__ is not accessible' },
    ],
    ['result.constructor', vector, { code: 'type', reason: 'cannot fetch constructor from array' }],
    ['result["__proto__"]', vector, { code: 'type', reason: 'cannot fetch __proto__ from array' }],
    ['result.length', vector, { code: 'type', reason: 'cannot fetch length from array' }],
    ['result.toString', map, { value: null }],
    ['result.hasOwnProperty', map, { value: null }],
    ['result?.valueOf', map, { value: null }],
    ['toString', map, { code: 'unknown-name', reason: 'unknown name toString' }],
    ['constructor', map, { code: 'forbidden', reason: 'name constructor is not accessible' }],
    ['__proto__', map, { code: 'forbidden', reason: 'name __proto__ is not accessible' }],
    ['hasOwnProperty', map, { code: 'unknown-name', reason: 'unknown name hasOwnProperty' }],
    ['$env.constructor', map, { code: 'forbidden', reason: 'field constructor is not accessible' }],
    ['$env["__proto__"]', map, { code: 'forbidden', reason: 'field __proto__ is not accessible' }],
    ['"constructor" in result', map, { value: false }],
    ['"toString" in $env', map, { value: false }],
    [
      'get(result, "constructor")',
      map,
      { code: 'forbidden', reason: 'field "constructor" is not accessible' },
    ],
    ['get(result, "toString")', map, { value: null }],
    ['"abc".constructor', map, { code: 'type', reason: 'cannot fetch constructor from string' }],
    ['(1).constructor', map, { code: 'type', reason: 'cannot fetch constructor from int' }],
    [
      'constructor("return process")',
      map,
      { code: 'unknown-function', reason: 'unknown function constructor()' },
    ],
    ['toString()', map, { code: 'unknown-function', reason: 'unknown function toString()' }],
    ['eval("1")', map, { code: 'unknown-function', reason: 'unknown function eval()' }],
    ['result.constructor.constructor("return process")()', map, { syntax: 'method calls are not supported' }],
    ['result["constructor"]["constructor"]("return process")()', map, { syntax: 'unexpected token "("' }],
    ['{__proto__: {polluted: 1}}', map, { code: 'forbidden', reason: 'map key "__proto__" is not allowed' }],
    ['{"constructor": 1}', map, { code: 'forbidden', reason: 'map key "constructor" is not allowed' }],
    [
      'filter([result], .constructor != nil)',
      map,
      { code: 'forbidden', reason: 'field constructor is not accessible' },
    ],
  ])('%s', (source, env, expected) => {
    expect(outcome(source, env)).toEqual(expected);
  });

  it('does not see an own __proto__ key of parsed JSON, nor what it points to', () => {
    const result: unknown = JSON.parse('{"__proto__": {"polluted": 1}, "ok": true}');
    const env = { result };
    expect(outcome('result.polluted', env)).toEqual({ value: null });
    expect(outcome('keys(result)', env)).toEqual({ value: ['ok'] });
    expect(outcome('len(result)', env)).toEqual({ value: 1 });
    expect(outcome('result == {ok: true}', env)).toEqual({ value: true });
    expect(outcome('result', env)).toEqual({ value: result });
  });

  it('never runs a getter', () => {
    let called = false;
    const result = {
      get secret(): string {
        called = true;
        return 'leaked';
      },
    };
    expect(outcome('result.secret', { result })).toEqual({
      code: 'forbidden',
      reason: 'field secret is not accessible',
    });
    expect(outcome('get(result, "secret")', { result })).toEqual({
      code: 'forbidden',
      reason: 'field "secret" is not accessible',
    });
    expect(called).toBe(false);
  });

  it('treats host objects and functions as opaque', () => {
    const env = { date: new Date(0), fn: () => 'called', map: new Map([['a', 1]]) };
    expect(outcome('date.getTime', env)).toEqual({
      code: 'type',
      reason: 'cannot fetch getTime from unsupported',
    });
    expect(outcome('map.size', env)).toEqual({ code: 'type', reason: 'cannot fetch size from unsupported' });
    expect(outcome('fn()', env)).toEqual({ code: 'unknown-function', reason: 'unknown function fn()' });
    expect(outcome('fn == nil', env)).toEqual({ value: false });
    expect(outcome('fn', env)).toEqual({
      code: 'type',
      reason: 'expression result contains an unsupported function value',
    });
    expect(outcome('[date]', env)).toEqual({
      code: 'type',
      reason: 'expression result contains an unsupported object value',
    });
    expect(outcome('len(fn)', env)).toEqual({
      code: 'type',
      reason: 'len() expects an array, a map or a string, got unsupported',
    });
  });

  it('reads objects without a prototype', () => {
    const result = Object.assign(Object.create(null) as Record<string, unknown>, { ok: true });
    expect(evaluateCondition('result.ok', { result })).toBe(true);
  });

  it('returns only plain data', () => {
    const value = run('{a: [1, "x", nil, {b: true}]}', {});
    expect(value).toEqual({ a: [1, 'x', null, { b: true }] });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});

// Each case runs an expression until its step budget stops it: seconds on a busy machine.
describe('limits', { timeout: 60_000 }, () => {
  it('caps ranges', () => {
    const error = outcome('map(1..100000, # * 2)', {});
    expect(error).toEqual({
      code: 'budget',
      reason: `range of 100000 elements is larger than the limit of ${DEFAULT_LIMITS.maxRange}`,
    });
  });

  it('stops nested loops on the step budget', () => {
    expect(() => run('map(1..10000, map(1..10000, # * 2))', {})).toThrow(ExpressionBudgetError);
    expect(() => run('all(1..10000, all(1..10000, all(1..10000, # > 0)))', {})).toThrow(
      /exceeded the budget of 1000000 steps/,
    );
  });

  it('honours a smaller budget', () => {
    const compiled = compile('all(result, # < 1000)');
    const result = Array.from({ length: 200 }, (_, i) => i);
    expect(evaluate(compiled, { result })).toBe(true);
    expect(() => evaluate(compiled, { result }, { limits: { maxSteps: 100 } })).toThrow(
      ExpressionBudgetError,
    );
  });

  it('caps the strings an expression builds', () => {
    expect(outcome('reduce(1..40, #acc + #acc, "ab")', {})).toEqual({
      code: 'budget',
      reason: `string of 131072 characters is longer than the limit of ${DEFAULT_LIMITS.maxString}`,
    });
    expect(() => run('string(1..10000) + string(1..10000)', {})).toThrow(ExpressionBudgetError);
  });

  it('charges walks over values that share structure', () => {
    // Each step doubles the logical size while building costs one step: walking must be charged.
    const doubling = 'reduce(1..40, [#acc, #acc], 1)';
    for (const source of [
      `string(${doubling})`,
      `${doubling} == ${doubling}`,
      `${doubling} in [${doubling}]`,
      doubling,
    ]) {
      expect(() => run(source, {})).toThrow(ExpressionBudgetError);
    }
  });

  it('refuses values nested too deeply to walk safely', () => {
    expect(outcome('reduce(1..100, [#acc], 1)', {})).toEqual({
      code: 'budget',
      reason: 'values nested more than 64 levels deep',
    });
    expect(outcome('len(reduce(1..100, [#acc], 1))', {})).toEqual({ value: 1 });
  });

  it('keeps hostile regular expressions linear in the subject, counted in steps', () => {
    const subject = (n: number) => `${'a'.repeat(n)}!`;
    for (const pattern of ['(a+)+$', '(a|a)*b', '(a*)*b', '(a|aa)+$', '^(a?){25}a{25}$', '(x+x+)+y']) {
      const source = `result matches ${JSON.stringify(pattern)}`;
      expect(evaluateCondition(source, { result: subject(5000) })).toBe(false);
      // A backtracking engine needs exponentially more work for a longer subject; this one
      // needs twice the steps for twice the subject.
      const short = stepsNeeded(source, { result: subject(2000) });
      const long = stepsNeeded(source, { result: subject(4000) });
      expect(long / short, pattern).toBeLessThan(2.2);
    }
  });

  it('charges regular expression work to the budget', () => {
    const result = 'a'.repeat(60_000);
    expect(() => evaluate(compile('result matches "b"'), { result }, { limits: { maxSteps: 1000 } })).toThrow(
      ExpressionBudgetError,
    );
  });
});

/** The smallest step budget `source` evaluates within (found by bisection). */
function stepsNeeded(source: string, vars: Record<string, unknown>): number {
  const compiled = compile(source);
  const fits = (maxSteps: number) => {
    try {
      evaluate(compiled, vars, { limits: { maxSteps } });
      return true;
    } catch (err) {
      if (err instanceof ExpressionBudgetError) return false;
      throw err;
    }
  };
  let low = 0;
  let high = DEFAULT_LIMITS.maxSteps;
  expect(fits(high), `${source} within the default budget`).toBe(true);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) high = mid;
    else low = mid;
  }
  return high;
}
