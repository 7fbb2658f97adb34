import { describe, expect, it } from 'vitest';
import { parseGoFloat, parseGoInt } from './builtin-args.ts';
import { compile, ExpressionEvaluationError, evaluate } from './index.ts';

const run = (source: string, env: Record<string, unknown> = {}): unknown => evaluate(compile(source), env);

const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

describe('builtins', () => {
  it.each<[string, unknown]>([
    ['len([1, 2, 3])', 3],
    ['len("abcd")', 4],
    ['len({a: 1, b: 2})', 2],
    ['len(nil)', 0],
    ['abs(-2.5)', 2.5],
    ['ceil(1.2)', 2],
    ['floor(-1.2)', -2],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.4)', 1],
    ['int(1.9)', 1],
    ['int(-1.9)', -1],
    ['int("42")', 42],
    ['float("1.5")', 1.5],
    ['float(2)', 2],
    ['asInt("-7")', -7],
    ['asInt(3.99)', 3],
    ['asFloat("1e3")', 1000],
    ['asFloat(".5")', 0.5],
    ['isNaN(asFloat("NaN"))', true],
    ['asFloat("+Inf") > 1e308', true],
    ['asFloat("-inf") < 0', true],
    ['string(1)', '1'],
    ['string(0.5)', '0.5'],
    ['string(0.00001)', '1e-05'],
    ['string(1e21)', '1e+21'],
    ['string([1, "a", nil])', '[1 a <nil>]'],
    ['string({b: 1, a: [true]})', 'map[a:[true] b:1]'],
    ['string(true)', 'true'],
    ['type(1)', 'int'],
    ['type(1.5)', 'float'],
    ['type("")', 'string'],
    ['type(nil)', 'nil'],
    ['type([])', 'array'],
    ['type({})', 'map'],
    ['type(true)', 'bool'],
    ['max(1, 3, 2)', 3],
    ['max([1, 5], 3)', 5],
    ['min([4, 2, 8])', 2],
    ['max([])', null],
    ['mean([1, 2, 3, 4])', 2.5],
    ['mean([])', 0],
    ['median([3, 1, 2])', 2],
    ['median([4, 1, 3, 2])', 2.5],
    ['sum([])', 0],
    ['first([7, 8])', 7],
    ['last([7, 8])', 8],
    ['first([])', null],
    ['last(nil)', null],
    ['get([1, 2], 5)', null],
    ['get([1, 2], -1)', 2],
    ['get({a: 1}, "b")', null],
    ['get(nil, 0)', null],
    ['take([1, 2, 3], 2)', [1, 2]],
    ['keys({a: 1, b: 2})', ['a', 'b']],
    ['values({a: 1, b: 2})', [1, 2]],
    ['sort([3, 1, 2])', [1, 2, 3]],
    ['sort(["b", "a"], "desc")', ['b', 'a']],
    ['upper("ab")', 'AB'],
    ['lower("AB")', 'ab'],
    ['trim("  x  ")', 'x'],
    ['trim("__x__", "_")', 'x'],
    ['trimPrefix("HelloWorld", "Hello")', 'World'],
    ['trimSuffix("HelloWorld", "World")', 'Hello'],
    ['split("a,b,c", ",")', ['a', 'b', 'c']],
    ['split("a,b,c", ",", 2)', ['a', 'b,c']],
    ['split("ab", "")', ['a', 'b']],
    ['join(["a", "b"], "-")', 'a-b'],
    ['join(["a", "b"])', 'ab'],
    ['replace("aXbX", "X", "-")', 'a-b-'],
    ['indexOf("apple pie", "pie")', 6],
    ['lastIndexOf("apple pie apple", "apple")', 10],
    ['hasPrefix("HelloWorld", "Hello")', true],
    ['hasSuffix("HelloWorld", "World")', true],
    ['isNil(nil)', true],
    ['isNil(0)', false],
    ['default(nil, 3)', 3],
    ['default([], 3)', 3],
    ['default([1], 3)', [1]],
    ['default(0, 3)', 0],
    ['default(x.y, 3)', 3],
    ['default(x?.y, 3)', 3],
  ])('%s → %j', (source, expected) => {
    expect(run(source, { x: null })).toEqual(expected);
  });

  it('max and min follow expr with NaN: a leading NaN wins, later ones never do', () => {
    expect(run('max(x, 1)', { x: NAN })).toBeNaN();
    expect(run('max(1, x)', { x: NAN })).toBe(1);
  });

  it('tells NaN and infinities apart', () => {
    expect(run('isNaN(x)', { x: NAN })).toBe(true);
    expect(run('isNaN(x)', { x: INF })).toBe(false);
    expect(run('isInf(x)', { x: -INF })).toBe(true);
    expect(run('isInf(x)', { x: NAN })).toBe(false);
    expect(run('string(x)', { x: INF })).toBe('+Inf');
    expect(run('string(x)', { x: NAN })).toBe('NaN');
  });

  it.each([
    ['nosuch(1)', 'unknown-function', 'unknown function nosuch()'],
    ['len(1)', 'type', 'len() expects an array, a map or a string, got int'],
    ['len()', 'arguments', 'invalid number of arguments for len (expected 1, got 0)'],
    ['abs("1")', 'type', 'abs() expects a number, got string'],
    ['isNaN([1])', 'type', 'isNaN() expects a number, got array'],
    ['int("1.5")', 'type', 'int(): cannot parse "1.5" as an integer'],
    ['int(x)', 'type', 'int(): cannot convert NaN to int'],
    ['asInt(true)', 'type', 'asInt() expects a number or a string, got bool'],
    ['max()', 'arguments', 'invalid number of arguments for max (expected at least 1, got 0)'],
    ['max("a")', 'type', 'max() expects numbers or arrays of numbers, got string'],
    ['sort([1, "a"])', 'type', 'sort() expects an array of numbers or an array of strings'],
    ['default(1)', 'arguments', 'invalid number of arguments for default (expected 2, got 1)'],
    ['default(1 + "a", 2)', 'type', 'invalid operation: + (mismatched types int and string)'],
    ['join([1])', 'type', 'join() expects an array of strings, got int'],
  ])('%s fails (%s): %s', (source, code, reason) => {
    try {
      run(source, { x: NAN });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionEvaluationError);
      expect(error).toMatchObject({ code, reason });
    }
  });
});

describe('Go number parsing', () => {
  it.each([
    ['42', 42],
    ['-7', -7],
    ['+3', 3],
    ['1.5', undefined],
    ['1e3', undefined],
    [' 1', undefined],
    ['', undefined],
    ['99999999999999999999', undefined],
  ])('parseGoInt(%j) → %j', (text, expected) => {
    expect(parseGoInt(text)).toBe(expected);
  });

  it.each([
    ['1.5', 1.5],
    ['-.5', -0.5],
    ['1e-3', 0.001],
    ['5.', 5],
    ['Inf', INF],
    ['+infinity', INF],
    ['-Inf', -INF],
    ['abc', undefined],
    ['1,5', undefined],
    ['0x10', undefined],
  ])('parseGoFloat(%j) → %j', (text, expected) => {
    expect(parseGoFloat(text)).toBe(expected);
  });

  it('parses NaN', () => {
    expect(parseGoFloat('NaN')).toBeNaN();
    expect(parseGoFloat('nan')).toBeNaN();
  });
});
