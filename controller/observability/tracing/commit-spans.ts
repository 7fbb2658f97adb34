// The spans of a commit's trace, built from what each reconcile saw: pure functions of data,
// so the shape of a trace is unit-tested without a cluster or a collector. The tree:
//
//   commit ─┬─ fetch                       (Application, on the revision's first sync)
//           ├─ render, apply               (Application, each full sync of the revision)
//           └─ rollout ─┬─ rollout step    (Rollout, each step completed)
//                       ├─ analysis ── measurement   (AnalysisRun, each measurement taken)
//                       └─ verdict         (Rollout: promoted, or rolled back = ERROR)

import type { AnalysisPhase, Measurement } from '../../api/analysis.ts';
import {
  type AppRef,
  COMMIT_SUBJECT,
  commitTraceId,
  type SpanRecord,
  spanIdOf,
  type TraceParent,
} from './commit-trace.ts';

/** A stage of a sync as it began (`render`, `validate`, `step`, `apply`, `prune`, …). */
export interface StageMark {
  stage: string;
  at: Date;
}

type SyncOutcome =
  | { changed: number; pruned: number; changedIds: readonly string[] }
  | { error: string }
  | { waiting: string };

export interface SyncTraceInput {
  app: AppRef;
  revision: string;
  /** This revision's first sync by this Application: its root and fetch spans go with it. */
  first: boolean;
  /** The source's artifact: when it was fetched, from where. */
  fetched?: { at: Date; source: string; url?: string | undefined } | undefined;
  marks: readonly StageMark[];
  end: Date;
  outcome: SyncOutcome;
}

const MAX_LISTED = 50;

/** The root of a commit's trace, the span the others hang under. */
function commitParent(app: AppRef, revision: string): TraceParent {
  const traceId = commitTraceId(app, revision);
  return { traceId, spanId: spanIdOf(traceId, COMMIT_SUBJECT) };
}

/** One full sync of a revision: render and apply (and, the first time, the commit and its fetch). */
export function syncSpans(input: SyncTraceInput): SpanRecord[] {
  const root = commitParent(input.app, input.revision);
  const common = {
    'sluice.application': `${input.app.namespace}/${input.app.name}`,
    'sluice.revision': input.revision,
  };
  const child = { traceId: root.traceId, parentSpanId: root.spanId };
  const spans: SpanRecord[] = [];
  const begun = input.marks[0]?.at ?? input.end;
  if (input.first) {
    spans.push({
      ...root,
      name: COMMIT_SUBJECT,
      start: earliest(input.fetched?.at, begun),
      end: input.end,
      attributes: { ...common },
    });
    if (input.fetched) {
      spans.push({
        ...child,
        name: 'fetch',
        start: input.fetched.at,
        end: input.fetched.at,
        attributes: {
          ...common,
          'sluice.source': input.fetched.source,
          ...(input.fetched.url ? { 'vcs.repository.url.full': input.fetched.url } : {}),
        },
      });
    }
  }
  const renderAt = input.marks.findIndex((m) => m.stage === 'render');
  const render = input.marks[renderAt];
  const applyFrom = input.marks[renderAt + 1];
  const failure = 'error' in input.outcome ? input.outcome.error : undefined;
  if (render) {
    spans.push({
      ...child,
      name: 'render',
      start: render.at,
      end: applyFrom?.at ?? input.end,
      attributes: { ...common },
      // A sync that failed before anything after rendering began failed to render.
      ...(failure !== undefined && !applyFrom ? { error: failure } : {}),
    });
  }
  if (applyFrom || !render) {
    spans.push({
      ...child,
      name: 'apply',
      start: applyFrom?.at ?? begun,
      end: input.end,
      attributes: { ...common, ...outcomeAttributes(input.outcome) },
      ...(failure !== undefined ? { error: failure } : {}),
    });
  }
  return spans;
}

function outcomeAttributes(outcome: SyncOutcome): SpanRecord['attributes'] {
  if ('changed' in outcome) {
    return {
      'sluice.objects.changed': outcome.changed,
      'sluice.objects.pruned': outcome.pruned,
      'sluice.objects.changed_ids': outcome.changedIds.slice(0, MAX_LISTED),
    };
  }
  return 'waiting' in outcome ? { 'sluice.sync.waiting': outcome.waiting } : {};
}

export interface RolloutTraceInput {
  rollout: { namespace: string; name: string };
  /** The Application that applied the Rollout (its tracking labels); none: no trace. */
  app: AppRef | undefined;
  /** The revision the update being rolled out came from (its ReplicaSet's record). */
  revision: string | undefined;
  /** When the update began: its ReplicaSet's creation. */
  startedAt: Date | undefined;
  now: Date;
  /** What this reconcile did, as the Events it records. */
  events: readonly { reason: string; message: string }[];
  /** The step the reconcile began at. */
  stepIndex: number | undefined;
  /** When that step began, where the Rollout keeps it (a pause's start, its analysis run's). */
  stepStartedAt?: Date | undefined;
  /** The canary's traffic weight after it. */
  weight: number | undefined;
}

/** The span of a Rollout's update of a revision, which its steps, runs and verdict hang under. */
export function rolloutParent(input: Pick<RolloutTraceInput, 'rollout' | 'app' | 'revision'>) {
  if (!input.app || !input.revision) return undefined;
  const root = commitParent(input.app, input.revision);
  const subject = `Rollout/${input.rollout.namespace}/${input.rollout.name}`;
  return { root, span: { traceId: root.traceId, spanId: spanIdOf(root.traceId, subject) } };
}

/** The steps a reconcile of a Rollout completed, and the update's end when it came. */
export function rolloutSpans(input: RolloutTraceInput): SpanRecord[] {
  const parent = rolloutParent(input);
  if (!parent) return [];
  const { root, span } = parent;
  const attributes = {
    'sluice.rollout': `${input.rollout.namespace}/${input.rollout.name}`,
    'sluice.revision': input.revision ?? '',
  };
  const under = { traceId: span.traceId, parentSpanId: span.spanId, start: input.now, end: input.now };
  const spans: SpanRecord[] = [];
  let step = input.stepIndex ?? 0;
  for (const e of input.events) {
    if (e.reason !== 'RolloutStepCompleted') continue;
    // A later step completed in the same reconcile began as the one before it ended.
    const start = step === input.stepIndex ? earliest(input.stepStartedAt, input.now) : input.now;
    spans.push({
      ...under,
      start,
      name: 'rollout step',
      attributes: {
        ...attributes,
        'sluice.step.index': step,
        'sluice.step': e.message,
        ...(input.weight !== undefined ? { 'sluice.canary.weight': input.weight } : {}),
      },
    });
    step += 1;
  }
  const end = input.events.find((e) => e.reason === 'RolloutCompleted' || e.reason === 'RolloutAborted');
  if (end) {
    const error = end.reason === 'RolloutAborted' ? end.message : undefined;
    const verdict = error ? 'RolledBack' : 'Promoted';
    spans.push({
      ...span,
      parentSpanId: root.spanId,
      name: 'rollout',
      start: earliest(input.startedAt, input.now),
      end: input.now,
      attributes: { ...attributes, 'sluice.verdict': verdict },
      ...(error ? { error } : {}),
    });
    spans.push({
      ...under,
      name: 'verdict',
      attributes: { ...attributes, 'sluice.verdict': verdict, 'sluice.verdict.message': end.message },
      ...(error ? { error } : {}),
    });
  }
  return spans;
}

export interface RunTraceInput {
  run: { namespace: string; name: string };
  /** The Rollout update's span, from the run's traceparent annotation; none: no trace. */
  parent: TraceParent | undefined;
  /** The measurements this reconcile took. */
  taken: readonly { metric: string; measurement: Measurement }[];
  phaseBefore: AnalysisPhase | undefined;
  phase: AnalysisPhase | undefined;
  startedAt: Date | undefined;
  completedAt: Date | undefined;
  message: string | undefined;
  now: Date;
}

const FAILED: readonly (AnalysisPhase | undefined)[] = ['Failed', 'Error'];
const FINISHED: readonly (AnalysisPhase | undefined)[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];

/** Each measurement a reconcile of an AnalysisRun took, and the run once it finished. */
export function runSpans(input: RunTraceInput): SpanRecord[] {
  if (!input.parent) return [];
  const { traceId } = input.parent;
  const runSpanId = spanIdOf(traceId, `AnalysisRun/${input.run.namespace}/${input.run.name}`);
  const attributes = { 'sluice.analysis_run': `${input.run.namespace}/${input.run.name}` };
  const spans: SpanRecord[] = input.taken.map(({ metric, measurement: m }) => {
    const end = m.finishedAt ? new Date(m.finishedAt) : input.now;
    const failed = FAILED.includes(m.phase);
    return {
      traceId,
      parentSpanId: runSpanId,
      name: 'measurement',
      start: m.startedAt ? new Date(m.startedAt) : end,
      end,
      attributes: {
        ...attributes,
        'sluice.metric': metric,
        'sluice.measurement.phase': m.phase,
        ...(m.value !== undefined ? { 'sluice.measurement.value': m.value } : {}),
        ...(m.message !== undefined ? { 'sluice.measurement.message': m.message } : {}),
      },
      ...(failed ? { error: `metric "${metric}" ${m.phase}: ${m.value ?? m.message ?? ''}` } : {}),
    };
  });
  if (FINISHED.includes(input.phase) && input.phase !== input.phaseBefore) {
    const end = input.completedAt ?? input.now;
    spans.push({
      traceId,
      spanId: runSpanId,
      parentSpanId: input.parent.spanId,
      name: 'analysis',
      start: earliest(input.startedAt, end),
      end,
      attributes: {
        ...attributes,
        'sluice.analysis.phase': input.phase ?? '',
        ...(input.message ? { 'sluice.analysis.message': input.message } : {}),
      },
      ...(FAILED.includes(input.phase) ? { error: input.message ?? input.phase ?? '' } : {}),
    });
  }
  return spans;
}

function earliest(a: Date | undefined, b: Date): Date {
  return a && a.getTime() < b.getTime() ? a : b;
}
