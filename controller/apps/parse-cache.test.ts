import { describe, expect, it } from 'vitest';
import { isJsonData, ParseCache } from './parse-cache.ts';
import { parseManifests, RenderError } from './render.ts';

const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {v: "${v}"}\n`;

describe('ParseCache', () => {
  it('parses a text once per file and gives every caller its own copy', () => {
    const cache = new ParseCache<ReturnType<typeof parseManifests>>(1 << 20);
    let parses = 0;
    const parse = (file: string, text: string) =>
      cache.parse(file, text, (t) => {
        parses++;
        return parseManifests(t, file);
      });
    const first = parse('a.yaml', cm('1'));
    (first[0]?.object.data as Record<string, string>).v = 'changed by a caller';
    const second = parse('a.yaml', cm('1'));
    expect(parses).toBe(1);
    expect(second[0]?.object.data).toEqual({ v: '1' });
    expect(second[0]?.source).toBe('a.yaml');
    // Another text, or the same text in another file (named in messages), is parsed anew.
    expect(parse('a.yaml', cm('2'))[0]?.object.data).toEqual({ v: '2' });
    expect(parse('b.yaml', cm('1'))[0]?.source).toBe('b.yaml');
    expect(parses).toBe(3);
  });

  it('does not remember failures', () => {
    const cache = new ParseCache<ReturnType<typeof parseManifests>>(1 << 20);
    const bad = 'a: [unclosed\n';
    expect(() => cache.parse('x.yaml', bad, (t) => parseManifests(t, 'x.yaml'))).toThrow(RenderError);
    expect(() => cache.parse('x.yaml', bad, (t) => parseManifests(t, 'x.yaml'))).toThrow(RenderError);
    expect(cache.size).toBe(0);
  });

  it('stays within its size, dropping the least recently used first', () => {
    const cache = new ParseCache<string>(16 * 100);
    const text = (i: number) => `${i}`.padEnd(100, '.');
    for (let i = 0; i < 16; i++) cache.parse(`${i}`, text(i), (t) => t);
    cache.parse('0', text(0), () => 'parsed again');
    cache.parse('16', text(16), (t) => t);
    expect(cache.size).toBe(16);
    expect(cache.parse('0', text(0), () => 'parsed again')).toBe(text(0));
    expect(cache.parse('1', text(1), () => 'parsed again')).toBe('parsed again');
    // Texts too large to be worth a sixteenth of the budget are not kept at all.
    cache.parse('big', 'x'.repeat(200), (t) => t);
    expect(cache.parse('big', 'x'.repeat(200), () => 'parsed again')).toBe('parsed again');
  });
});

describe('isJsonData', () => {
  it('accepts what JSON gives back as it was, and nothing else', () => {
    expect(isJsonData({ a: [1, 'x', true, null, { b: 2.5 }] })).toBe(true);
    for (const v of [
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      new Date(0),
      new Map(),
      [undefined],
      { a: undefined },
    ]) {
      expect(isJsonData(v), String(v)).toBe(false);
    }
    expect(isJsonData(JSON.parse('{"__proto__": 1}'))).toBe(false);
  });

  it('keeps a result that is not, such as .inf in YAML, as it was', () => {
    const cache = new ParseCache<ReturnType<typeof parseManifests>>(1 << 20);
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nspec: {limit: .inf}\n';
    cache.parse('a.yaml', text, (t) => parseManifests(t, 'a.yaml'));
    const again = cache.parse('a.yaml', text, () => []);
    expect(again[0]?.object.spec).toEqual({ limit: Number.POSITIVE_INFINITY });
  });
});
