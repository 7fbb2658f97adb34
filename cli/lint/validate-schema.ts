// A validator for the part of OpenAPI v3 (structural schemas) that the CRDs use, with the API
// server's reading of it: unknown fields are errors (kubectl applies with strict field
// validation), nulls are pruned first, and CEL rules run where the value is present.

import { CEL_RULES } from './cel-rules.ts';
import type { Schema } from './crd-schemas.ts';

export type Path = (string | number)[];

export interface Issue {
  path: Path;
  message: string;
  /** Point at the field's key (unknown or missing fields) or at its value. */
  at: 'key' | 'value';
}

const INT32 = 2 ** 31;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const patterns = new Map<string, RegExp | undefined>();

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

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlain(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === type;
  }
}

function regex(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    try {
      patterns.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      patterns.set(pattern, undefined);
    }
  }
  return patterns.get(pattern);
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function validateSchema(value: unknown, schema: Schema, path: Path = [], out: Issue[] = []): Issue[] {
  if (value === undefined) return out;
  const issue = (message: string, at: Issue['at'] = 'value', p: Path = path) =>
    out.push({ path: p, message, at });
  if (schema['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
      issue(`must be an integer or a string, not ${typeName(value)}`);
      return out;
    }
  } else if (schema.anyOf && !schema.anyOf.some((s) => validateSchema(value, s, path, []).length === 0)) {
    issue(`must match one of: ${schema.anyOf.map((s) => s.type ?? 'schema').join(', ')}`);
    return out;
  }
  if (schema.type && !schema['x-kubernetes-int-or-string'] && !typeMatches(schema.type, value)) {
    issue(`must be of type ${schema.type}, not ${typeName(value)}`);
    return out;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    issue(`${show(value)} is not one of: ${schema.enum.map(show).join(', ')}`);
  }
  if (typeof value === 'string') checkString(value, schema, issue);
  if (typeof value === 'number') checkNumber(value, schema, issue);
  if (Array.isArray(value)) checkArray(value, schema, path, out, issue);
  if (isPlain(value)) checkObject(value, schema, path, out, issue);
  checkRules(value, schema, path, issue);
  return out;
}

type Report = (message: string, at?: Issue['at'], p?: Path) => void;

function checkString(value: string, schema: Schema, issue: Report): void {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    issue(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`);
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    issue(`must be at most ${schema.maxLength} characters (is ${length})`);
  }
  if (schema.pattern && !regex(schema.pattern)?.test(value)) {
    issue(`${show(value)} does not match ${schema.pattern}`);
  }
  if (schema.format === 'date-time' && !RFC3339.test(value)) {
    issue(`${show(value)} is not an RFC 3339 date-time such as 2025-01-02T03:04:05Z`);
  }
}

function checkNumber(value: number, schema: Schema, issue: Report): void {
  if (schema.minimum !== undefined) {
    const bad = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
    if (bad)
      issue(
        `must be ${schema.exclusiveMinimum ? 'greater than' : 'at least'} ${schema.minimum} (is ${value})`,
      );
  }
  if (schema.maximum !== undefined) {
    const bad = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
    if (bad)
      issue(`must be ${schema.exclusiveMaximum ? 'less than' : 'at most'} ${schema.maximum} (is ${value})`);
  }
  if (schema.format === 'int32' && (value < -INT32 || value >= INT32))
    issue(`${value} does not fit in int32`);
}

function checkArray(value: unknown[], schema: Schema, path: Path, out: Issue[], issue: Report): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    issue(`must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    issue(`must have at most ${schema.maxItems} items (has ${value.length})`);
  }
  const items = schema.items;
  if (items) for (const [i, item] of value.entries()) validateSchema(item, items, [...path, i], out);
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'map' || listType === 'set') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Map<string, number>();
    value.forEach((item, i) => {
      const id =
        listType === 'set'
          ? JSON.stringify(item)
          : JSON.stringify(keys.map((k) => (isPlain(item) ? item[k] : item)));
      const first = seen.get(id);
      if (first === undefined) seen.set(id, i);
      else
        issue(`duplicate of item ${first}${keys.length ? ` (same ${keys.join(', ')})` : ''}`, 'value', [
          ...path,
          i,
        ]);
    });
  }
}

function checkObject(
  value: Record<string, unknown>,
  schema: Schema,
  path: Path,
  out: Issue[],
  issue: Report,
): void {
  for (const field of schema.required ?? []) {
    if (value[field] === undefined) issue(`missing required field "${field}"`, 'key');
  }
  const size = Object.keys(value).length;
  if (schema.minProperties !== undefined && size < schema.minProperties) {
    issue(`must have at least ${schema.minProperties} field${schema.minProperties === 1 ? '' : 's'}`);
  }
  if (schema.maxProperties !== undefined && size > schema.maxProperties) {
    issue(`must have at most ${schema.maxProperties} fields`);
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, v] of Object.entries(value)) {
    const child = schema.properties?.[key];
    if (child) validateSchema(v, child, [...path, key], out);
    else if (isPlain(schema.additionalProperties))
      validateSchema(v, schema.additionalProperties, [...path, key], out);
    else if (!preserve && (schema.properties || schema.additionalProperties === false)) {
      issue(`unknown field "${key}"`, 'key', [...path, key]);
    }
  }
}

function checkRules(value: unknown, schema: Schema, path: Path, issue: Report): void {
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const check = CEL_RULES.get(rule.rule);
    if (!check || check(value)) continue;
    const sub = (rule.fieldPath ?? '').split('.').filter((s) => s.length > 0);
    // A rule about a scalar points at the value; one about an object at the field's name.
    const at = sub.length > 0 || typeof value === 'object' ? 'key' : 'value';
    issue(rule.message ?? `failed rule: ${rule.rule}`, at, [...path, ...sub]);
  }
}
