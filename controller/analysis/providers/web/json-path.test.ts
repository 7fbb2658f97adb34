import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from './json-path.ts';

const doc = {
  data: { ok: true, rate: 0.25, name: 'canary', nested: { deep: [10, 20, 30] } },
  items: [{ x: 1, tags: ['a'] }, { x: 2, tags: [] }, { y: 3 }],
  'key.with.dots': 'dotted',
  'dash-key': 'dashed',
  nothing: null,
  zero: 0,
};

function select(path: string, document: unknown = doc) {
  return evaluateJsonPath(parseJsonPath(path), document);
}

describe('JSONPath subset', () => {
  it.each([
    ['{$.data.ok}', true],
    ['{.data.ok}', true],
    ['$.data.rate', 0.25],
    ['.data.name', 'canary'],
    ['{ $.data.name }', 'canary'],
    ['{$.data.nested.deep[0]}', 10],
    ['{$.data.nested.deep[-1]}', 30],
    ['{$.items[1].x}', 2],
    ["{$['key.with.dots']}", 'dotted'],
    ['{$["dash-key"]}', 'dashed'],
    ['{$.dash-key}', 'dashed'],
    ['{$.nothing}', null],
    ['{$.zero}', 0],
    ['{$.data.nested}', { deep: [10, 20, 30] }],
  ])('%s → %j', (path, expected) => {
    expect(select(path)).toEqual({ found: true, value: expected });
  });

  it('{$} and $ select the whole document', () => {
    expect(select('{$}')).toEqual({ found: true, value: doc });
    expect(select('$', 7)).toEqual({ found: true, value: 7 });
  });

  it('wildcards always give an array of the matches', () => {
    expect(select('{$.items[*].x}')).toEqual({ found: true, value: [1, 2] });
    expect(select('{$.items[*].missing}')).toEqual({ found: true, value: [] });
    expect(select('{$.data.nested.*}')).toEqual({ found: true, value: [[10, 20, 30]] });
    expect(select('{$.items[*].tags[*]}')).toEqual({ found: true, value: ['a'] });
  });

  it.each([
    '{$.missing}',
    '{$.data.ok.deeper}',
    '{$.items[3]}',
    '{$.items[-4]}',
    '{$.data[0]}',
    '{$.items.x}',
  ])('%s selects nothing', (path) => {
    expect(select(path)).toEqual({ found: false });
  });

  it('never reaches into prototypes', () => {
    expect(select('{$.constructor}')).toEqual({ found: false });
    expect(select('{$.__proto__}', {})).toEqual({ found: false });
    expect(select('{$.data.toString}')).toEqual({ found: false });
    expect(select('{$.items.length}')).toEqual({ found: false });
    // An own `__proto__` key from JSON.parse is ordinary data.
    expect(select('{$.__proto__.a}', JSON.parse('{"__proto__":{"a":1}}'))).toEqual({ found: true, value: 1 });
  });

  it.each([
    ['', /empty/],
    ['{}', /empty/],
    ['{$.a', /unbalanced/],
    ['$.a}', /unbalanced/],
    ['{$.a}{$.b}', /single/],
    ['data.ok', /must start/],
    ['$..a', /recursive descent/],
    ['{$.items[?(@.x > 1)]}', /filters/],
    ['{$.items[0:2]}', /slices/],
    ['{$.items[0,1]}', /slices and unions/],
    ['{$.items[0}', /expected '\]'/],
    ["{$['a}", /unterminated/],
    ['{$.}', /field name/],
    ['{$.a b}', /unexpected ' '/],
    ['{$.a.b()}', /unexpected '\('/],
  ])('rejects %j', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
    expect(() => parseJsonPath(path)).toThrow(message);
  });

  it('rejects absurdly long paths', () => {
    expect(() => parseJsonPath(`$${'.a'.repeat(100)}`)).toThrow(/more than 64 steps/);
  });
});
