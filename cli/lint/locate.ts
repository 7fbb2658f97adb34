// From a path in a parsed object back to where it was written: the yaml package keeps each
// node's source range, and a LineCounter turns offsets into lines and columns.

import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Scalar,
} from 'yaml';
import type { Path } from './validate-schema.ts';

interface Position {
  line: number;
  column: number;
}

interface Found {
  node: Node | undefined;
  key: Node | undefined;
}

/** The deepest node on `path` that exists, and the key it hangs from when it is a mapping value. */
export function findNode(doc: Document, path: Path): Found {
  let node = (doc.contents ?? undefined) as Node | undefined;
  let key: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String((p.key as Scalar).value) === String(seg),
      );
      if (!pair) break;
      key = pair.key as Node;
      node = (pair.value ?? undefined) as Node | undefined;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg] as Node;
      key = undefined;
    } else {
      break;
    }
  }
  return { node, key };
}

export function offsetOf(doc: Document, path: Path, at: 'key' | 'value'): number {
  const { node, key } = findNode(doc, path);
  const preferred = at === 'key' ? (key ?? node) : (node ?? key);
  return preferred?.range?.[0] ?? doc.range?.[0] ?? 0;
}

export function position(lc: LineCounter, offset: number): Position {
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}

/**
 * The source offset of character `pos` of a scalar's value. Characters other than whitespace
 * are matched in order, which holds for plain, quoted, literal and folded scalars alike (an
 * escape sequence in a double-quoted string can shift the column by its extra characters).
 */
export function scalarOffset(node: Node | undefined, text: string, pos: number): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const [start, end] = node.range;
  let from = start;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    from = nl < 0 ? end : nl + 1;
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    from = start + 1;
  }
  const value = node.value;
  let wanted = 0;
  for (let i = 0; i < Math.min(pos, value.length); i++) if (!/\s/.test(value.charAt(i))) wanted++;
  let seen = 0;
  for (let o = from; o < end; o++) {
    if (/\s/.test(text.charAt(o))) continue;
    if (seen === wanted) return o;
    seen++;
  }
  return end;
}
