import { describe, expect, it } from 'vitest';
import type { Schema } from './crd-schemas.ts';
import { validateSchema } from './validate-schema.ts';

const schema: Schema = {
  type: 'object',
  properties: {
    surge: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
    name: { type: 'string', format: 'some-format-the-api-server-ignores', enum: ['a', 'b'] },
    count: { type: 'integer', format: 'int32', minimum: 0, exclusiveMinimum: true },
    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    items: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['id'],
      items: { type: 'object', properties: { id: { type: 'string' } } },
    },
  },
  'x-kubernetes-validations': [
    { rule: 'self.count != 7', message: 'seven is reserved', fieldPath: '.count' },
  ],
};

const messages = (value: unknown) =>
  validateSchema(value, schema).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('validateSchema', () => {
  it('accepts a valid object, with unknown fields where the schema preserves them', () => {
    expect(
      messages({ surge: '25%', name: 'a', count: 1, free: { any: { thing: 1 } }, items: [{ id: 'x' }] }),
    ).toEqual([]);
  });

  it('reports each problem once, at the field it is about', () => {
    expect(messages({ surge: true, name: 3, count: 0, extra: 1, items: [{ id: 'x' }, { id: 'x' }] })).toEqual(
      [
        'extra: unknown field "extra"',
        'surge: must be an integer or a string, not boolean',
        'name: must be of type string, not integer',
        'count: must be greater than 0 (is 0)',
        'items.1: duplicate of item 0 (same id)',
      ],
    );
    expect(messages({ count: 2 ** 31 })).toEqual(['count: 2147483648 does not fit in int32']);
    expect(messages({ count: 7 })).toEqual(['count: seven is reserved']);
  });
});
