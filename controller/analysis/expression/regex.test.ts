import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.ts';
import { compileRegex, RegexSyntaxError, regexMatches } from './regex.ts';

const matches = (pattern: string, subject: string): boolean =>
  regexMatches(compileRegex(pattern), subject, () => {});

describe('matches engine', () => {
  // Patterns both engines understand: the answers must agree with JavaScript's RegExp.
  const patterns = [
    'abc',
    '^abc$',
    'a.c',
    'a*',
    '^a+$',
    '^a?b$',
    'colou?r',
    '^(foo|bar)+$',
    '^a{2,3}$',
    '^a{2}$',
    '^a{2,}$',
    '^[a-c]+$',
    '^[^0-9]+$',
    '\\d+\\.\\d+',
    '^\\w+@\\w+\\.com$',
    '\\bcat\\b',
    '\\Bcat',
    '^\\s*$',
    '^[-+]?[0-9]*\\.?[0-9]+$',
    '5\\d\\d',
    '^(?:[a-z]+-)*[a-z]+$',
    'x*?y',
    '^[\\]\\-]+$',
    '[.]',
    'a|b|c',
    '^$',
    'é+',
  ];
  const subjects = [
    '',
    'abc',
    'aabc',
    'ac',
    'aa',
    'aaa',
    'b',
    'ab',
    'color',
    'colour',
    'foobar',
    'foo-bar',
    '1.5',
    '-0.25',
    'me@host.com',
    'a cat sat',
    'concat',
    '   ',
    '503',
    '404',
    'xxy',
    ']-]',
    'a.b',
    'ééé',
    'c',
  ];

  it.each(patterns)('agrees with RegExp for %s', (pattern) => {
    const reference = new RegExp(pattern, 'u');
    for (const subject of subjects) {
      expect(matches(pattern, subject), `${pattern} on ${JSON.stringify(subject)}`).toBe(
        reference.test(subject),
      );
    }
  });

  it('takes Go leading flags', () => {
    expect(matches('(?i)^ERROR', 'error: x')).toBe(true);
    expect(matches('^ERROR', 'error: x')).toBe(false);
    expect(matches('(?s)a.b', 'a\nb')).toBe(true);
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('(?m)^b$', 'a\nb\nc')).toBe(true);
    expect(matches('^b$', 'a\nb\nc')).toBe(false);
  });

  it('reads \\x escapes and Go-style \\A and \\z', () => {
    expect(matches('\\x41\\x{42}', 'AB')).toBe(true);
    expect(matches('\\Aab\\z', 'ab')).toBe(true);
    expect(matches('\\Aab\\z', 'abc')).toBe(false);
  });

  it.each([
    ['(a', 'missing closing )'],
    ['a)', 'unexpected )'],
    ['[a', 'missing closing ]'],
    ['*a', 'missing argument to repetition operator'],
    ['a{1001}', 'invalid repeat count'],
    ['a{3,2}', 'invalid repeat count'],
    ['(a)\\1', 'invalid escape sequence'],
    ['(?=a)', 'invalid or unsupported Perl syntax'],
    ['(?<!a)b', 'invalid named capture'],
    ['[z-a]', 'invalid character class range'],
    ['x'.repeat(1001), 'pattern is longer than 1000 characters'],
    ['((a{1000}){1000}){1000}', 'invalid repeat count'],
  ])('rejects %s', (pattern, reason) => {
    expect(() => compileRegex(pattern)).toThrow(RegexSyntaxError);
    expect(() => compileRegex(pattern)).toThrow(reason);
  });

  it('accepts Unicode and POSIX classes, as Go does', () => {
    expect(matches('^\\p{L}+$', 'ééé')).toBe(true);
    expect(matches('^[[:alpha:]]+$', 'abc')).toBe(true);
    expect(matches('^[[:alpha:]]+$', 'a1')).toBe(false);
  });

  it('accepts named groups and a literal brace', () => {
    expect(matches('(?P<code>5\\d\\d)', 'status 503')).toBe(true);
    expect(matches('(?<code>4\\d\\d)', 'status 503')).toBe(false);
    expect(matches('a{', 'a{')).toBe(true);
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('needs a positive capacity', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});
