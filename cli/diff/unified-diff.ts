// Line diffs in the unified format people read in code review: Myers' algorithm for the
// shortest edit script, then hunks with three lines of context.

export type Edit = { op: ' ' | '-' | '+'; line: string };

/** The shortest edit script turning `a` into `b` (Myers 1986, with the trace kept to backtrack). */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Array<number>(2 * max + 3).fill(0);
  const trace: number[][] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v);
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const prev = trace[d] as number[];
    const k = x - y;
    const down = k === -d || (k !== d && (prev[offset + k - 1] ?? 0) < (prev[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = prev[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: ' ', line: a[--x] as string });
      y--;
    }
    if (d === 0) break;
    if (down) edits.push({ op: '+', line: b[--y] as string });
    else edits.push({ op: '-', line: a[--x] as string });
  }
  while (x > 0 && y > 0) {
    edits.push({ op: ' ', line: a[--x] as string });
    y--;
  }
  return edits.reverse();
}

export interface DiffLabels {
  from: string;
  to: string;
}

/** A unified diff of two texts; empty when they are equal. */
export function unifiedDiff(from: string, to: string, labels: DiffLabels, context = 3): string {
  if (from === to) return '';
  const a = splitLines(from);
  const b = splitLines(to);
  const edits = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  let aLine = 0;
  let bLine = 0;
  const positions = edits.map((e) => {
    const at = { a: aLine, b: bLine };
    if (e.op !== '+') aLine++;
    if (e.op !== '-') bLine++;
    return at;
  });
  while (i < edits.length) {
    while (i < edits.length && edits[i]?.op === ' ') i++;
    if (i >= edits.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within two contexts of the last one.
    for (let j = i; j < edits.length; j++) {
      if (edits[j]?.op !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(edits.length, end + context + 1);
    const slice = edits.slice(start, stop);
    const first = positions[start] ?? { a: 0, b: 0 };
    const aCount = slice.filter((e) => e.op !== '+').length;
    const bCount = slice.filter((e) => e.op !== '-').length;
    const range = (line: number, count: number) => `${count === 0 ? line : line + 1},${count}`;
    hunks.push(`@@ -${range(first.a, aCount)} +${range(first.b, bCount)} @@\n`);
    hunks.push(slice.map((e) => `${e.op}${e.line}\n`).join(''));
    i = stop;
  }
  return `--- ${labels.from}\n+++ ${labels.to}\n${hunks.join('')}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
