// The trail as a person reads it: one line per entry, oldest first, then the verdict.

import type { Trail } from './trail-model.ts';

/** `2026-01-01T10:00:00Z`, without fractions: the trail is read in seconds. */
function shortTime(time: string | undefined): string {
  return time ? time.replace(/\.\d+Z$/, 'Z') : '-';
}

export function renderTrail(trail: Trail): string {
  const { namespace, name } = trail.application;
  const rows = trail.entries
    .filter((e) => e.stage !== 'verdict')
    .map((e) => [shortTime(e.time), e.stage, e.subject, e.message]);
  const header = ['TIME', 'STAGE', 'SUBJECT', 'WHAT'];
  const widths = [0, 1, 2].map((i) =>
    Math.max(header[i]?.length ?? 0, ...rows.map((r) => r[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c))
      .join('  ')
      .trimEnd();
  return [
    `Trail of ${trail.revision || '(no revision)'} in Application ${namespace}/${name}`,
    ...(trail.traceID ? [`Trace: ${trail.traceID}`] : []),
    '',
    line(header),
    ...rows.map(line),
    '',
    `Verdict: ${trail.verdict.outcome}: ${trail.verdict.message}`,
    '',
  ].join('\n');
}
