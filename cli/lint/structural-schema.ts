// Turns a CRD's structural schema (OpenAPI v3 with x-kubernetes-* extensions) into a JSON
// Schema that ajv checks the way the API server does: unknown fields are errors where fields
// are declared, int-or-string and list-type are keywords of their own, and CEL rules run on
// every value that is present.

import {
  Ajv,
  type AnySchemaObject,
  type ErrorObject,
  type SchemaValidateFunction,
  type ValidateFunction,
} from 'ajv';
import { evaluateRule } from './cel-rules.ts';
import type { Schema, ValidationRule } from './crd-schemas.ts';

const INT32 = 2 ** 31;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** Formats the API server checks; it ignores any other, and so do we. */
const FORMATS = new Set(['int32', 'int64', 'date-time']);

type Obj = Record<string, unknown>;

function isPlain(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One custom error: the message is final, `at` says whether to point at the key or the value. */
type Custom = Partial<ErrorObject> & { params: { at: 'key' | 'value' } };

const intOrString: SchemaValidateFunction = (_s: boolean, data: unknown) =>
  typeof data === 'string' || (typeof data === 'number' && Number.isInteger(data));

const listType: SchemaValidateFunction = (
  type: string,
  data: unknown,
  parent?: AnySchemaObject,
  cxt?: { instancePath: string },
) => {
  if (!Array.isArray(data) || (type !== 'map' && type !== 'set')) return true;
  const keys: string[] = parent?.['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Map<string, number>();
  const errors: Custom[] = [];
  data.forEach((item, i) => {
    const id =
      type === 'set'
        ? JSON.stringify(item)
        : JSON.stringify(keys.map((k) => (isPlain(item) ? item[k] : item)));
    const first = seen.get(id);
    if (first === undefined) seen.set(id, i);
    else
      errors.push({
        keyword: 'x-kubernetes-list-type',
        instancePath: `${cxt?.instancePath ?? ''}/${i}`,
        message: `duplicate of item ${first}${keys.length ? ` (same ${keys.join(', ')})` : ''}`,
        params: { at: 'value' },
      });
  });
  listType.errors = errors;
  return errors.length === 0;
};

const celRules: SchemaValidateFunction = (
  rules: ValidationRule[],
  data: unknown,
  _parent?: AnySchemaObject,
  cxt?: { instancePath: string },
) => {
  const errors: Custom[] = [];
  for (const rule of rules) {
    const outcome = evaluateRule(rule.rule, data);
    if (outcome.ok) continue;
    const sub = (rule.fieldPath ?? '').split('.').filter((s) => s.length > 0);
    const message = rule.message ?? `failed rule: ${rule.rule}`;
    errors.push({
      keyword: 'x-kubernetes-validations',
      instancePath: [cxt?.instancePath ?? '', ...sub.map(escapePointer)].join('/'),
      message: outcome.error ? `${message} (rule could not be evaluated: ${outcome.error})` : message,
      // A rule about a scalar points at the value; one about an object at the field's name.
      params: { at: sub.length > 0 || typeof data === 'object' ? 'key' : 'value' },
    });
  }
  celRules.errors = errors;
  return errors.length === 0;
};

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -INT32 && n < INT32 });
ajv.addFormat('int64', { type: 'number', validate: () => true });
ajv.addFormat('date-time', { type: 'string', validate: (s: string) => RFC3339.test(s) });
ajv.addKeyword({ keyword: 'x-kubernetes-int-or-string', validate: intOrString, errors: false });
ajv.addKeyword({ keyword: 'x-kubernetes-list-type', validate: listType, errors: true });
ajv.addKeyword({ keyword: 'x-kubernetes-validations', validate: celRules, errors: true });
// Annotations a structural schema may carry that JSON Schema draft 7 does not define.
for (const keyword of [
  'example',
  'externalDocs',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
]) {
  ajv.addKeyword({ keyword });
}

/** The JSON Schema form of one structural schema node. */
function toJsonSchema(schema: Schema): Obj {
  const out: Obj = { ...schema };
  if (schema['x-kubernetes-int-or-string']) {
    // The keyword checks the type; the anyOf beside it only documents the two forms.
    delete out.anyOf;
    delete out.type;
  }
  if (schema.format && !FORMATS.has(schema.format)) delete out.format;
  if (typeof schema.exclusiveMinimum === 'boolean') {
    delete out.exclusiveMinimum;
    if (schema.exclusiveMinimum && schema.minimum !== undefined) {
      out.exclusiveMinimum = schema.minimum;
      delete out.minimum;
    }
  }
  if (typeof schema.exclusiveMaximum === 'boolean') {
    delete out.exclusiveMaximum;
    if (schema.exclusiveMaximum && schema.maximum !== undefined) {
      out.exclusiveMaximum = schema.maximum;
      delete out.maximum;
    }
  }
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, toJsonSchema(v)]),
    );
  }
  if (schema.items) out.items = toJsonSchema(schema.items);
  if (schema.anyOf && out.anyOf) out.anyOf = schema.anyOf.map(toJsonSchema);
  if (typeof schema.additionalProperties === 'object') {
    out.additionalProperties = toJsonSchema(schema.additionalProperties);
  } else if (
    schema.properties &&
    schema.additionalProperties === undefined &&
    !schema['x-kubernetes-preserve-unknown-fields']
  ) {
    out.additionalProperties = false;
  }
  return out;
}

const validators = new WeakMap<Schema, ValidateFunction>();

/** The compiled validator of a schema, made once per schema object. */
export function validatorFor(schema: Schema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema));
    validators.set(schema, validate);
  }
  return validate;
}
