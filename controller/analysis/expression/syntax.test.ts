import { describe, expect, it } from 'vitest';
import { compile, ExpressionSyntaxError, evaluate, MAX_EXPRESSION_LENGTH } from './index.ts';
import { tokenize } from './lexer.ts';

function syntaxError(source: string): ExpressionSyntaxError {
  try {
    compile(source);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${source}`);
}

const run = (source: string, env: Record<string, unknown> = {}): unknown => evaluate(compile(source), env);

describe('lexer', () => {
  it('reads numbers in every notation expr accepts', () => {
    const numbers = tokenize('42 0x2A 0o52 0b101010 1_000_000 0.5 .5 1e3 2.5E-2 7.')
      .filter((t) => t.kind === 'number')
      .map((t) => t.number);
    expect(numbers).toEqual([42, 42, 42, 42, 1_000_000, 0.5, 0.5, 1000, 0.025, 7]);
  });

  it('keeps `1..3` as a range, not a float', () => {
    expect(tokenize('1..3').map((t) => t.text)).toEqual(['1', '..', '3', '']);
  });

  it('reads strings with escapes, and raw back-quoted strings', () => {
    const strings = tokenize('"a\\"b\\n" \'it\\\'s\' "\\u00e9\\x41\\101" `raw\\n`')
      .filter((t) => t.kind === 'string')
      .map((t) => t.text);
    expect(strings).toEqual(['a"b\n', "it's", 'éAA', 'raw\\n']);
  });

  it('skips comments', () => {
    expect(run('1 + /* two */ 2 // three')).toBe(3);
  });

  it('reads word operators and pointers', () => {
    expect(tokenize('a not in b and #index or #').map((t) => `${t.kind}:${t.text}`)).toEqual([
      'identifier:a',
      'operator:not',
      'operator:in',
      'identifier:b',
      'operator:and',
      'pointer:index',
      'operator:or',
      'pointer:',
      'eof:',
    ]);
  });

  it.each([
    ['"abc', 0, 'literal not terminated'],
    ['1 + @', 4, 'unexpected character "@"'],
    ['"\\q"', 1, 'invalid escape sequence'],
    ['12abc', 0, 'invalid number literal'],
    ['0x', 0, 'invalid number literal'],
    ['/* open', 0, 'unclosed comment'],
  ])('rejects %j at offset %i', (source, position, reason) => {
    const error = syntaxError(source);
    expect(error.position).toBe(position);
    expect(error.reason).toBe(reason);
  });
});

describe('grouping follows expr-lang', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ** 3 ** 2', 512],
    ['2 ^ 3', 8],
    ['-2 ** 2', -4],
    ['10 - 4 - 3', 3],
    ['7 / 2', 3.5],
    ['-7 % 3', -1],
    ['true || false && false', true],
    ['false and true or true', true],
    ['!false == false', false],
    ['not true || true', true],
    ['not (true || true)', false],
    ['1 < 2 < 3', true],
    ['3 > 2 > 2', false],
    ['1 == 1 != false', true],
    ['2 not in [1, 3]', true],
    ['"abc" not contains "d"', true],
    ['true ? 1 : 2', 1],
    ['false ? 1 : true ? 2 : 3', 2],
    ['false ? 1 : false ? 2 : 3', 3],
    ['true ?: false', true],
    ['nil ?? 1', 1],
    ['(nil ?? 1) + 1', 2],
    ['1..3 | map(# * 2)', [2, 4, 6]],
    ['[1, 2, 3] | filter(# > 1) | len()', 2],
    ['[1, 2,]', [1, 2]],
    ['{a: 1, "b": 2, 3: 3, ("d" + "e"): 4,}', { a: 1, b: 2, '3': 3, de: 4 }],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('syntax errors', () => {
  it('report the 0-based offset, line, column and a caret', () => {
    const error = syntaxError('result[0] >= )');
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect(error.position).toBe(13);
    expect(error.line).toBe(1);
    expect(error.column).toBe(14);
    expect(error.message).toBe('unexpected token ")" (1:14)\n | result[0] >= )\n | .............^');
    expect(error.summary).toBe('unexpected token ")" at line 1, column 14');
  });

  it('count lines and columns in multi-line conditions', () => {
    const error = syntaxError('result[0] >= 0.95 &&\n  result[1] <<< 2');
    expect(error.line).toBe(2);
    expect(error.column).toBe(14);
    expect(error.message).toContain(' |   result[1] <<< 2\n | .............^');
  });

  it.each([
    ['', 0, 'unexpected end of expression'],
    ['1 +', 3, 'unexpected end of expression'],
    ['(1 + 2', 6, 'unexpected end of expression'],
    ['[1, 2', 5, 'unexpected end of expression'],
    ['1 2', 2, 'unexpected token "2"'],
    ['a not b', 6, 'unexpected token "b"'],
    ['# > 1', 0, 'cannot use pointer accessor outside predicate'],
    ['.a', 0, 'cannot use pointer accessor outside predicate'],
    [
      'a ?? b + 1',
      7,
      'operator (+) and coalesce expressions (??) cannot be mixed; wrap either in parentheses',
    ],
    ['result.size()', 7, 'method calls are not supported'],
    ['result.(1)', 7, 'expected name'],
    ['let x = 1; x', 0, 'let declarations are not supported'],
    ['{[1]: 2}', 1, 'a map key must be a quoted string, a number, a name, or an expression in parentheses'],
    ['true ? 1', 8, 'unexpected end of expression'],
    ['"a" matches "("', 12, 'invalid regular expression: missing closing )'],
  ])('%j fails at %i with %j', (source, position, reason) => {
    const error = syntaxError(source);
    expect(error.reason).toBe(reason);
    expect(error.position).toBe(position);
  });

  it('cut a long line to a window around the caret', () => {
    const source = `${'a + '.repeat(60)})`;
    const error = syntaxError(source);
    const [, text, caret] = error.message.split('\n');
    expect(text?.length).toBeLessThanOrEqual(83);
    expect(caret?.endsWith('^')).toBe(true);
    expect(text?.[(caret?.length ?? 0) - 1]).toBe(')');
  });

  it('refuse overlong expressions', () => {
    const error = syntaxError(`${'1 + '.repeat(MAX_EXPRESSION_LENGTH / 4)}1`);
    expect(error.reason).toBe(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  });

  it('refuse deep nesting before it can exhaust the stack', () => {
    expect(syntaxError(`${'('.repeat(200)}1${')'.repeat(200)}`).reason).toMatch(/nested too deeply/);
    expect(syntaxError(`${'!'.repeat(500)}true`).reason).toMatch(/nested too deeply/);
    expect(syntaxError(`result${'.a'.repeat(300)}`).reason).toMatch(/nested too deeply/);
    expect(syntaxError(Array.from({ length: 300 }, () => 'true').join(' && ')).reason).toMatch(
      /nested too deeply/,
    );
  });
});

describe('compile', () => {
  it('caches by source and freezes the tree', () => {
    const first = compile('result[0] >= 0.95');
    expect(compile('result[0] >= 0.95')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.ast)).toBe(true);
  });

  it('records what the expression uses', () => {
    const { features } = compile('len(result) == 0 || default(result[0], 0) > 1');
    expect([...features.functions].sort()).toEqual(['default', 'len']);
    expect([...features.variables]).toEqual(['result']);
    expect(features.nilAware).toBe(false);
    expect(compile('result?.a').features.nilAware).toBe(true);
    expect(compile('result ?? 1').features.nilAware).toBe(true);
    expect(compile('nil != result').features.nilAware).toBe(true);
  });
});
