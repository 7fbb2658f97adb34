// Lints the sluice.dev objects in one YAML or JSON text: each document (and each item of a
// List) is checked against its CRD schema and rules, then by the checks of its kind.

import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { API_VERSION, GROUP } from '../../controller/api/meta.ts';
import type { KindSchema } from './crd-schemas.ts';
import { checkAnalysisTemplate, checkRollout, type Finding } from './kind-checks.ts';
import { findNode, offsetOf, position, scalarOffset } from './locate.ts';
import { formatPath, type Path, pruneNulls, validateSchema } from './validate-schema.ts';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  /** The field, such as `spec.strategy.canary.steps[1]`; empty for the whole document. */
  path: string;
  message: string;
  kind?: string;
  name?: string;
}

interface LintResult {
  diagnostics: Diagnostic[];
  /** sluice.dev objects checked. */
  checked: number;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ARGO_GROUP = 'argoproj.io/';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function lintText(text: string, file: string, schemas: ReadonlyMap<string, KindSchema>): LintResult {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const result: LintResult = { diagnostics: [], checked: 0 };
  const kinds = new Set([...schemas.values()].map((s) => s.kind));
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const at = position(lc, err.pos[0]);
        result.diagnostics.push({
          file,
          ...at,
          path: '',
          message: err.message.split('\n')[0] ?? 'invalid YAML',
        });
      }
      continue;
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (!isObj(value)) continue;
    const objects: { obj: Obj; prefix: Path }[] =
      value.kind === 'List' && Array.isArray(value.items)
        ? value.items.filter(isObj).map((obj, i) => ({ obj, prefix: ['items', i] }))
        : [{ obj: value, prefix: [] }];
    for (const { obj, prefix } of objects) {
      const report = (f: Finding) => result.diagnostics.push(diagnostic(doc, lc, text, file, obj, prefix, f));
      const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
      const kind = typeof obj.kind === 'string' ? obj.kind : '';
      if (apiVersion.startsWith(ARGO_GROUP) && kinds.has(kind)) {
        report({
          path: ['apiVersion'],
          message: `use apiVersion ${API_VERSION}: Sluice reads ${kind} with the same fields`,
          at: 'value',
        });
        continue;
      }
      if (!apiVersion.startsWith(`${GROUP}/`)) continue;
      const schema = schemas.get(`${apiVersion}/${kind}`);
      if (!schema) {
        report({
          path: ['kind'],
          message: `${GROUP} does not serve kind "${kind}" in ${apiVersion}`,
          at: 'value',
        });
        continue;
      }
      result.checked++;
      for (const f of lintObject(obj, schema)) report(f);
    }
  }
  result.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return result;
}

function lintObject(obj: Obj, schema: KindSchema): Finding[] {
  const out: Finding[] = [];
  const meta = isObj(obj.metadata) ? obj.metadata : undefined;
  if (!meta || typeof meta.name !== 'string' || meta.name === '') {
    out.push({
      path: meta ? ['metadata'] : [],
      message: 'missing required field "metadata.name"',
      at: 'key',
    });
  } else if (!DNS_SUBDOMAIN.test(meta.name) || meta.name.length > 253) {
    out.push({
      path: ['metadata', 'name'],
      message: `"${meta.name}" is not a valid name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
      at: 'value',
    });
  }
  out.push(...validateSchema(pruneNulls(obj), schema.schema));
  const spec = obj.spec as never;
  if (schema.kind === 'AnalysisTemplate' || schema.kind === 'ClusterAnalysisTemplate') {
    out.push(...checkAnalysisTemplate(spec));
  } else if (schema.kind === 'Rollout') {
    out.push(...checkRollout(spec));
  }
  return out;
}

function diagnostic(
  doc: Document,
  lc: LineCounter,
  text: string,
  file: string,
  obj: Obj,
  prefix: Path,
  f: Finding,
): Diagnostic {
  const path = [...prefix, ...f.path];
  let offset = offsetOf(doc, path, f.at);
  if (f.offset !== undefined) offset = scalarOffset(findNode(doc, path).node, text, f.offset) ?? offset;
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  return {
    file,
    ...position(lc, offset),
    path: formatPath(f.path),
    message: f.message,
    ...(typeof obj.kind === 'string' ? { kind: obj.kind } : {}),
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
  };
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.path ? `${d.path}: ` : ''}${d.message}`;
}
