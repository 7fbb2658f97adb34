// Text layout for `get`: trees drawn with box characters, aligned columns, and ages.

export interface TreeNode {
  /** Columns of this row; the first is indented by the tree. */
  cells: string[];
  children?: TreeNode[];
}

/** Rows of a tree with `├──`/`└──` prefixes on the first cell, then the columns aligned. */
export function renderTree(roots: TreeNode[], header?: string[]): string {
  const rows: string[][] = header ? [header] : [];
  const walk = (node: TreeNode, prefix: string, branch: string): void => {
    const [first = '', ...rest] = node.cells;
    rows.push([`${prefix}${branch}${first}`, ...rest]);
    const kids = node.children ?? [];
    const childPrefix = prefix + (branch === '├── ' ? '│   ' : branch === '└── ' ? '    ' : '');
    for (const [i, kid] of kids.entries()) walk(kid, childPrefix, i === kids.length - 1 ? '└── ' : '├── ');
  };
  for (const root of roots) walk(root, '', '');
  return columns(rows);
}

/**
 * Pads every column but the last to its widest cell. The first column is aligned across all
 * rows; the others among rows with as many cells, so a table nested in a tree lines up.
 */
function columns(rows: string[][], gap = 2): string {
  const first = Math.max(0, ...rows.filter((r) => r.length > 1).map((r) => width(r[0] ?? '')));
  const widths = new Map<number, number[]>();
  for (const row of rows) {
    const w = widths.get(row.length) ?? [];
    row.forEach((cell, i) => {
      w[i] = i === 0 ? first : Math.max(w[i] ?? 0, width(cell));
    });
    widths.set(row.length, w);
  }
  const lines = rows.map((row) => {
    const w = widths.get(row.length) ?? [];
    return row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((w[i] ?? 0) - width(cell) + gap)))
      .join('')
      .trimEnd();
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** `Key:  value` lines, aligned; undefined values are left out. */
export function fields(pairs: [string, string | undefined][], indent = ''): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
  const w = Math.max(0, ...shown.map(([k]) => k.length + 1));
  return shown.map(([k, v]) => `${indent}${`${k}:`.padEnd(w + 2)}${v}\n`).join('');
}

function width(text: string): number {
  return [...text].length;
}

/** kubectl's short ages: 45s, 12m, 3h, 5d. */
export function age(time: string | undefined, now: Date): string {
  if (!time) return '';
  const ms = now.getTime() - Date.parse(time);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
