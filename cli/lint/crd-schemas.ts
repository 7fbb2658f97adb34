// The OpenAPI schemas of the sluice.dev kinds, read from the CRDs shipped in crds/, so the
// linter checks exactly what the API server will enforce.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The subset of JSONSchemaProps the CRDs use. */
export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}

export interface ValidationRule {
  rule: string;
  message?: string;
  /** A JSON path below the node the rule is on, such as `.spec.dependsOn`. */
  fieldPath?: string;
}

export interface KindSchema {
  group: string;
  kind: string;
  version: string;
  namespaced: boolean;
  schema: Schema;
}

interface Crd {
  kind?: string;
  spec?: {
    group: string;
    scope: string;
    names: { kind: string };
    versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
  };
}

const DEFAULT_CRD_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));

/** Every served version of every CRD in `dir`, keyed by `apiVersion/Kind`. */
export function loadKindSchemas(dir = DEFAULT_CRD_DIR): Map<string, KindSchema> {
  const out = new Map<string, KindSchema>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const crd = parse(readFileSync(join(dir, file), 'utf8')) as Crd;
    if (crd.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    for (const v of crd.spec.versions) {
      const schema = v.schema?.openAPIV3Schema;
      if (!schema || v.served === false) continue;
      out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, {
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        version: v.name,
        namespaced: crd.spec.scope === 'Namespaced',
        schema,
      });
    }
  }
  return out;
}

/** Every rule in a schema, for checking that each compiles. */
export function rulesIn(schema: Schema): string[] {
  const found: string[] = [];
  const visit = (s: Schema | boolean | undefined): void => {
    if (!s || typeof s === 'boolean') return;
    for (const r of s['x-kubernetes-validations'] ?? []) found.push(r.rule);
    for (const p of Object.values(s.properties ?? {})) visit(p);
    visit(s.items);
    visit(s.additionalProperties);
    for (const a of s.anyOf ?? []) visit(a);
  };
  visit(schema);
  return found;
}
