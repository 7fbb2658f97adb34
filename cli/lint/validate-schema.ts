// Validates an object against its CRD's structural schema with the API server's reading of it
// (see structural-schema.ts), and words ajv's errors as kubectl users read them: a path such as
// `spec.strategy.canary.steps[1].setWeight` and a message that names the bad value.

import type { ErrorObject } from 'ajv';
import type { Schema } from './crd-schemas.ts';
import { validatorFor } from './structural-schema.ts';

export type Path = (string | number)[];

interface Issue {
  path: Path;
  message: string;
  /** Point at the field's key (unknown or missing fields) or at its value. */
  at: 'key' | 'value';
}

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** The API server drops null fields of non-nullable schemas before it validates. */
export function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = pruneNulls(v);
    return out;
  }
  return value;
}

export function validateSchema(value: unknown, schema: Schema): Issue[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A value of the wrong type is reported once, not again for each constraint beside `type`,
  // and a failed anyOf once, not for each branch.
  const wrongType = new Set(errors.filter((e) => isTypeError(e)).map((e) => e.instancePath));
  const anyOf = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  return errors
    .filter((e) => !anyOf.some((p) => e.schemaPath.startsWith(p)))
    .filter((e) => isTypeError(e) || !wrongType.has(e.instancePath))
    .map((e) => toIssue(e, value));
}

function isTypeError(e: ErrorObject): boolean {
  return e.keyword === 'type' || e.keyword === 'x-kubernetes-int-or-string';
}

function toIssue(e: ErrorObject, root: unknown): Issue {
  const path = toPath(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  const v: unknown = e.data;
  const issue = (message: string, at: Issue['at'] = 'value', atPath: Path = path): Issue => ({
    path: atPath,
    message,
    at,
  });
  switch (e.keyword) {
    case 'x-kubernetes-validations':
    case 'x-kubernetes-list-type':
      return issue(e.message ?? 'invalid', p.at === 'key' ? 'key' : 'value');
    case 'x-kubernetes-int-or-string':
      return issue(`must be an integer or a string, not ${typeName(v)}`);
    case 'type':
      return issue(`must be of type ${String(p.type)}, not ${typeName(v)}`);
    case 'anyOf': {
      const branches = Array.isArray(e.schema) ? (e.schema as Schema[]) : [];
      return issue(`must match one of: ${branches.map((s) => s.type ?? 'schema').join(', ')}`);
    }
    case 'enum':
      return issue(`${show(v)} is not one of: ${(p.allowedValues as unknown[]).map(show).join(', ')}`);
    case 'required':
      return issue(`missing required field "${String(p.missingProperty)}"`, 'key');
    case 'additionalProperties':
      return issue(`unknown field "${String(p.additionalProperty)}"`, 'key', [
        ...path,
        String(p.additionalProperty),
      ]);
    case 'pattern':
      return issue(`${show(v)} does not match ${String(p.pattern)}`);
    case 'format':
      return issue(
        p.format === 'date-time'
          ? `${show(v)} is not an RFC 3339 date-time such as 2025-01-02T03:04:05Z`
          : `${show(v)} does not fit in ${String(p.format)}`,
      );
    case 'minLength':
      return issue(p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`);
    case 'maxLength':
      return issue(`must be at most ${String(p.limit)} characters (is ${[...String(v)].length})`);
    case 'minimum':
      return issue(`must be at least ${String(p.limit)} (is ${show(v)})`);
    case 'exclusiveMinimum':
      return issue(`must be greater than ${String(p.limit)} (is ${show(v)})`);
    case 'maximum':
      return issue(`must be at most ${String(p.limit)} (is ${show(v)})`);
    case 'exclusiveMaximum':
      return issue(`must be less than ${String(p.limit)} (is ${show(v)})`);
    case 'minItems':
      return issue(`must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`);
    case 'maxItems':
      return issue(`must have at most ${String(p.limit)} items (has ${Array.isArray(v) ? v.length : '?'})`);
    case 'minProperties':
      return issue(`must have at least ${String(p.limit)} field${p.limit === 1 ? '' : 's'}`);
    case 'maxProperties':
      return issue(`must have at most ${String(p.limit)} fields`);
    default:
      return issue(e.message ?? `fails ${e.keyword}`);
  }
}

/** A JSON pointer as a path, with array indexes as numbers (found by walking the value). */
function toPath(pointer: string, root: unknown): Path {
  const path: Path = [];
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      path.push(Number(seg));
      node = node[Number(seg)];
    } else {
      path.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
