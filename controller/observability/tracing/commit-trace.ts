// One trace per commit and Application. Its spans are written by many reconciles, of several
// kinds, over minutes, maybe by a restarted controller: so the trace id is derived from what
// every one of them can read (the Application's namespace and name, the source revision)
// rather than kept in memory, and the spans others hang under (the commit itself, a Rollout's
// update, an AnalysisRun) get ids derived from the trace id and what they are about.

import { createHash } from 'node:crypto';

type AttributeValue = string | number | boolean | string[];

/** One finished span, as data: the tracer sends it; pure code builds it. */
export interface SpanRecord {
  traceId: string;
  /** Set for spans others hang under; otherwise a random one is made. */
  spanId?: string;
  /** Absent only for the commit's root span. */
  parentSpanId?: string;
  name: string;
  start: Date;
  end: Date;
  attributes: Record<string, AttributeValue>;
  /** Set when the span failed: its status is ERROR with this message. */
  error?: string;
}

export interface AppRef {
  namespace: string;
  name: string;
}

/** The trace of `revision` through Application `app`: 32 hex digits, never all zero. */
export function commitTraceId(app: AppRef, revision: string): string {
  return nonZero(digest(`sluice.dev/commit\0${app.namespace}/${app.name}\0${revision}`).slice(0, 32));
}

/** The id of the span about `subject` (`commit`, `Rollout/ns/web`, …) in trace `traceId`: 16 hex digits. */
export function spanIdOf(traceId: string, subject: string): string {
  return nonZero(digest(`${traceId}\0${subject}`).slice(0, 16));
}

/** The root span of a commit's trace. */
export const COMMIT_SUBJECT = 'commit';

/** What a span of a commit's trace needs to know to hang under another one. */
export interface TraceParent {
  traceId: string;
  spanId: string;
}

/** W3C trace-context form (`00-<trace>-<span>-01`), as stamped on the AnalysisRuns a Rollout creates. */
export function formatTraceparent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-01`;
}

export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(value ?? '');
  return m?.[1] && m[2] ? { traceId: m[1], spanId: m[2] } : undefined;
}

/** On an AnalysisRun a Rollout created: the span of the Rollout's update it belongs under. */
export const TRACEPARENT_ANNOTATION = 'sluice.dev/traceparent';

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An all-zero id is invalid in W3C trace context; a hash of one is as good as any. */
function nonZero(id: string): string {
  return /^0+$/.test(id) ? digest(id).slice(0, id.length) : id;
}
