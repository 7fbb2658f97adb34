// Line diffs in the unified format people read in code review, with three lines of context.
// The edit script and hunks come from jsdiff (`diff`); only the header layout is ours.

import { structuredPatch } from 'diff';

interface DiffLabels {
  from: string;
  to: string;
}

/** A unified diff of two texts; empty when they are equal. */
export function unifiedDiff(from: string, to: string, labels: DiffLabels, context = 3): string {
  if (from === to) return '';
  const { hunks } = structuredPatch(labels.from, labels.to, from, to, undefined, undefined, { context });
  const body = hunks.map(
    (h) =>
      `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n${h.lines.join('\n')}\n`,
  );
  return `--- ${labels.from}\n+++ ${labels.to}\n${body.join('')}`;
}

/** As GNU diff writes it: an empty range names the line before it (`-0,0` for a new file). */
function range(start: number, count: number): string {
  return `${count === 0 ? start - 1 : start},${count}`;
}
