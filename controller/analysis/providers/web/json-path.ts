// The part of Kubernetes JSONPath that web metrics use, parsed and walked by hand (no eval):
//   {$.a.b}  {.a.b}  $.a.b  {$}            fields, with or without braces and leading `$`
//   {$.a[0].b}  {$.a[-1]}                  array index, negative counts from the end
//   {$.items[*].x}  {$.obj.*}              wildcard over array items or object values
//   {$['key.with.dots']}  {$["k"]}         bracketed field names
// Not supported (rejected when parsed): recursive descent `..`, filters `[?()]`, slices `[a:b]`,
// unions `[a,b]`, several templates or literal text around the braces.

export class JsonPathError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`invalid jsonPath '${path}': ${message}`);
    this.name = 'JsonPathError';
    this.path = path;
  }
}

type JsonPathSegment =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

export interface JsonPath {
  readonly source: string;
  readonly segments: readonly JsonPathSegment[];
  /** True when a wildcard can select several values; the result is then always an array. */
  readonly multiple: boolean;
}

const MAX_SEGMENTS = 64;
const FIELD_CHAR = /[A-Za-z0-9_\-/:@$]/;

export function parseJsonPath(source: string): JsonPath {
  let text = source.trim();
  if (text.startsWith('{') || text.endsWith('}')) {
    if (!text.startsWith('{') || !text.endsWith('}')) throw new JsonPathError(source, 'unbalanced braces');
    text = text.slice(1, -1).trim();
    if (text.includes('{') || text.includes('}')) {
      throw new JsonPathError(source, 'only a single {…} expression is supported');
    }
  }
  if (text === '') throw new JsonPathError(source, 'empty expression');

  let pos = 0;
  if (text[0] === '$') {
    pos = 1;
  } else if (text[0] !== '.' && text[0] !== '[') {
    throw new JsonPathError(source, "must start with '$', '.' or '['");
  }

  const segments: JsonPathSegment[] = [];
  while (pos < text.length) {
    if (segments.length >= MAX_SEGMENTS) throw new JsonPathError(source, `more than ${MAX_SEGMENTS} steps`);
    const ch = text[pos];
    if (ch === '.') {
      if (text[pos + 1] === '.') throw new JsonPathError(source, "recursive descent '..' is not supported");
      pos++;
      if (text[pos] === '*') {
        segments.push({ kind: 'wildcard' });
        pos++;
        continue;
      }
      const start = pos;
      while (pos < text.length && FIELD_CHAR.test(text[pos] ?? '')) pos++;
      if (pos === start) throw new JsonPathError(source, `expected a field name at offset ${start}`);
      segments.push({ kind: 'field', name: text.slice(start, pos) });
    } else if (ch === '[') {
      pos = parseBracket(source, text, pos + 1, segments);
    } else {
      throw new JsonPathError(source, `unexpected '${ch}' at offset ${pos}`);
    }
  }
  return { source, segments, multiple: segments.some((s) => s.kind === 'wildcard') };
}

/** Parses what follows a `[`; returns the offset after the closing `]`. */
function parseBracket(source: string, text: string, start: number, out: JsonPathSegment[]): number {
  const close = (at: number): number => {
    if (text[at] !== ']') throw new JsonPathError(source, `expected ']' at offset ${at}`);
    return at + 1;
  };
  const first = text[start];
  if (first === '*') {
    out.push({ kind: 'wildcard' });
    return close(start + 1);
  }
  if (first === "'" || first === '"') {
    const end = text.indexOf(first, start + 1);
    if (end < 0) throw new JsonPathError(source, 'unterminated quoted field name');
    out.push({ kind: 'field', name: text.slice(start + 1, end) });
    return close(end + 1);
  }
  const match = /^-?\d+/.exec(text.slice(start));
  if (match === null) {
    const rest = text.slice(start);
    const what = rest.startsWith('?') ? 'filters' : 'this bracket expression';
    throw new JsonPathError(source, `${what} at offset ${start} is not supported`);
  }
  const end = start + match[0].length;
  if (text[end] === ':' || text[end] === ',') {
    throw new JsonPathError(source, 'slices and unions are not supported');
  }
  out.push({ kind: 'index', index: Number(match[0]) });
  return close(end);
}

type JsonPathResult = { found: true; value: unknown } | { found: false };

/** Walks `document`; a single-value path with no match is `found: false`, a wildcard path yields an array. */
export function evaluateJsonPath(path: JsonPath, document: unknown): JsonPathResult {
  let current: unknown[] = [document];
  for (const segment of path.segments) {
    const next: unknown[] = [];
    for (const node of current) {
      if (segment.kind === 'field') {
        // Own properties only: `__proto__` or `constructor` must not reach into prototypes.
        if (isPlainObject(node) && Object.hasOwn(node, segment.name)) next.push(node[segment.name]);
      } else if (segment.kind === 'index') {
        if (Array.isArray(node)) {
          const index = segment.index < 0 ? node.length + segment.index : segment.index;
          if (index >= 0 && index < node.length) next.push(node[index]);
        }
      } else if (Array.isArray(node)) {
        next.push(...node);
      } else if (isPlainObject(node)) {
        next.push(...Object.values(node));
      }
    }
    current = next;
  }
  if (path.multiple) return { found: true, value: current };
  return current.length === 0 ? { found: false } : { found: true, value: current[0] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
