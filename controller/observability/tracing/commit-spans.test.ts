import { describe, expect, it } from 'vitest';
import { rolloutSpans, runSpans, syncSpans } from './commit-spans.ts';
import {
  COMMIT_SUBJECT,
  commitTraceId,
  formatTraceparent,
  parseTraceparent,
  spanIdOf,
} from './commit-trace.ts';

const app = { namespace: 'team', name: 'web' };
const v2 = 'main@sha1:2222222222222222222222222222222222222222';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s));

describe('commit trace ids', () => {
  it('are the same for the same Application and revision, whoever derives them, and differ otherwise', () => {
    const id = commitTraceId(app, v2);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(commitTraceId({ ...app }, v2)).toBe(id);
    expect(commitTraceId(app, 'main@sha1:3333')).not.toBe(id);
    expect(commitTraceId({ namespace: 'other', name: 'web' }, v2)).not.toBe(id);
    expect(spanIdOf(id, COMMIT_SUBJECT)).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdOf(id, 'Rollout/team/web')).not.toBe(spanIdOf(id, COMMIT_SUBJECT));
  });

  it('round-trips a traceparent and refuses anything else', () => {
    const p = { traceId: commitTraceId(app, v2), spanId: spanIdOf(commitTraceId(app, v2), 'x') };
    expect(parseTraceparent(formatTraceparent(p))).toEqual(p);
    expect(parseTraceparent('01-abc-def-01')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });
});

describe('sync spans', () => {
  const marks = [
    { stage: 'artifact', at: at(1) },
    { stage: 'render', at: at(2) },
    { stage: 'validate', at: at(4) },
    { stage: 'apply', at: at(5) },
  ];

  it('the first sync of a revision opens the trace: commit, fetch, render and apply under it', () => {
    const spans = syncSpans({
      app,
      revision: v2,
      first: true,
      fetched: { at: at(0), source: 'GitRepository/repo', url: 'http://git/repo' },
      marks,
      end: at(7),
      outcome: { changed: 1, pruned: 0, changedIds: ['team_web_sluice.dev_Rollout'] },
    });
    const traceId = commitTraceId(app, v2);
    const root = spanIdOf(traceId, COMMIT_SUBJECT);
    expect(spans.map((s) => s.name)).toEqual(['commit', 'fetch', 'render', 'apply']);
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    expect(spans[0]).toMatchObject({ spanId: root, start: at(0), end: at(7) });
    expect(spans[0]?.parentSpanId).toBeUndefined();
    expect(spans.slice(1).every((s) => s.parentSpanId === root)).toBe(true);
    expect(spans[2]).toMatchObject({ start: at(2), end: at(4) });
    expect(spans[3]).toMatchObject({ start: at(4), end: at(7) });
    expect(spans[3]?.attributes['sluice.objects.changed']).toBe(1);
    expect(spans.some((s) => s.error)).toBe(false);
  });

  it('a later sync adds only render and apply; a failed render is the span in error', () => {
    const spans = syncSpans({
      app,
      revision: v2,
      first: false,
      marks: marks.slice(0, 2),
      end: at(3),
      outcome: { error: 'revision x: kustomize build failed' },
    });
    expect(spans.map((s) => [s.name, s.error])).toEqual([['render', 'revision x: kustomize build failed']]);
  });
});

describe('rollout spans', () => {
  const base = {
    rollout: { namespace: 'team', name: 'web' },
    app,
    revision: v2,
    startedAt: at(10),
    now: at(40),
    stepIndex: 0,
    weight: 50,
  };
  const traceId = commitTraceId(app, v2);
  const rolloutSpan = spanIdOf(traceId, 'Rollout/team/web');

  it('a completed step is a span under the update, with its index and the canary weight', () => {
    const spans = rolloutSpans({
      ...base,
      events: [{ reason: 'RolloutStepCompleted', message: 'Step 1/2 completed (setWeight: 50)' }],
    });
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'rollout step', traceId, parentSpanId: rolloutSpan });
    expect(spans[0]?.attributes).toMatchObject({ 'sluice.step.index': 0, 'sluice.canary.weight': 50 });
  });

  it('a step lasts from when it began, as far as the Rollout kept it; the next one completed with it from then', () => {
    const spans = rolloutSpans({
      ...base,
      stepIndex: 1,
      stepStartedAt: at(20),
      events: [
        { reason: 'RolloutStepCompleted', message: 'Step 2/3 completed (pause: 20s)' },
        { reason: 'RolloutStepCompleted', message: 'Step 3/3 completed (setWeight: 100)' },
      ],
    });
    expect(spans.map((s) => [s.attributes['sluice.step.index'], s.start, s.end])).toEqual([
      [1, at(20), at(40)],
      [2, at(40), at(40)],
    ]);
  });

  it('an abort ends the update in error under the commit, with a verdict in error', () => {
    const spans = rolloutSpans({
      ...base,
      events: [{ reason: 'RolloutAborted', message: 'Rollout aborted: metric "error-rate" failed' }],
    });
    const [update, verdict] = spans;
    expect(update).toMatchObject({
      name: 'rollout',
      spanId: rolloutSpan,
      parentSpanId: spanIdOf(traceId, COMMIT_SUBJECT),
      start: at(10),
      end: at(40),
      error: 'Rollout aborted: metric "error-rate" failed',
    });
    expect(verdict).toMatchObject({ name: 'verdict', parentSpanId: rolloutSpan });
    expect(verdict?.attributes['sluice.verdict']).toBe('RolledBack');
    expect(verdict?.error).toBeDefined();
  });

  it('a promotion is a verdict without error; a Rollout no Application applied has no trace', () => {
    const spans = rolloutSpans({ ...base, events: [{ reason: 'RolloutCompleted', message: 'Promoted' }] });
    expect(spans.map((s) => [s.name, s.error])).toEqual([
      ['rollout', undefined],
      ['verdict', undefined],
    ]);
    expect(
      rolloutSpans({ ...base, app: undefined, events: [{ reason: 'RolloutCompleted', message: '' }] }),
    ).toEqual([]);
  });
});

describe('analysis run spans', () => {
  const traceId = commitTraceId(app, v2);
  const parent = { traceId, spanId: spanIdOf(traceId, 'Rollout/team/web') };
  const base = {
    run: { namespace: 'team', name: 'web-abc-2' },
    parent,
    startedAt: at(20),
    completedAt: undefined,
    message: undefined,
    now: at(30),
  };
  const runSpan = spanIdOf(traceId, 'AnalysisRun/team/web-abc-2');

  it('each measurement is a span with metric, value and phase; a failed one is in error', () => {
    const spans = runSpans({
      ...base,
      phaseBefore: 'Running',
      phase: 'Running',
      taken: [
        {
          metric: 'error-rate',
          measurement: {
            phase: 'Failed',
            value: '[0.5]',
            startedAt: at(21).toISOString(),
            finishedAt: at(22).toISOString(),
          },
        },
      ],
    });
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      name: 'measurement',
      parentSpanId: runSpan,
      start: at(21),
      end: at(22),
    });
    expect(spans[0]?.attributes).toMatchObject({
      'sluice.metric': 'error-rate',
      'sluice.measurement.value': '[0.5]',
      'sluice.measurement.phase': 'Failed',
    });
    expect(spans[0]?.error).toContain('error-rate');
  });

  it('the run ending is its span, once, under the Rollout update', () => {
    const ended = {
      ...base,
      taken: [],
      phase: 'Failed' as const,
      completedAt: at(25),
      message: 'metric "error-rate" assessed Failed',
    };
    const spans = runSpans({ ...ended, phaseBefore: 'Running' });
    expect(spans).toEqual([
      expect.objectContaining({
        name: 'analysis',
        spanId: runSpan,
        parentSpanId: parent.spanId,
        start: at(20),
        end: at(25),
        error: 'metric "error-rate" assessed Failed',
      }),
    ]);
    expect(runSpans({ ...ended, phaseBefore: 'Failed' })).toEqual([]);
    expect(runSpans({ ...ended, phaseBefore: 'Running', parent: undefined })).toEqual([]);
  });
});
