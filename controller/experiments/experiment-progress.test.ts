import { describe, expect, it } from 'vitest';
import type { ExperimentSpec, ExperimentStatus } from '../api/experiment.ts';
import {
  type AnalysisObservation,
  decideExperiment,
  type TemplateObservation,
} from './experiment-progress.ts';

const T0 = Date.parse('2025-01-02T03:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const spec = (extra: Partial<ExperimentSpec> = {}): ExperimentSpec => ({
  templates: [
    { name: 'baseline', replicas: 1, selector: {}, template: {} },
    { name: 'canary', replicas: 1, selector: {}, template: {} },
  ],
  ...extra,
});
const up = (name: string, available = 1): TemplateObservation => ({
  name,
  podTemplateHash: `h-${name}`,
  replicas: 1,
  readyReplicas: available,
  availableReplicas: available,
});
const decide = (
  s: ExperimentSpec,
  opts: {
    status?: ExperimentStatus;
    now?: number;
    templates?: TemplateObservation[];
    analyses?: AnalysisObservation[];
  } = {},
) =>
  decideExperiment({
    spec: s,
    status: opts.status,
    createdAt: at(0).toISOString(),
    now: at(opts.now ?? 1),
    templates: opts.templates ?? [],
    analyses: opts.analyses ?? [],
  });

describe('decideExperiment', () => {
  it('keeps the templates up for scaleDownDelaySeconds after it finished, then scales them to zero', () => {
    const s = spec({ terminate: true, scaleDownDelaySeconds: 30 });
    const templates = [up('baseline'), up('canary')];
    const ended = decide(s, { now: 10, templates });
    expect(ended).toMatchObject({ phase: 'Successful', finished: true, requeueAfterMs: 30_000 });
    expect(ended.finishedAt).toBe(at(10).toISOString());
    expect([...ended.replicas.values()]).toEqual([1, 1]);
    const status = { phase: ended.phase, message: ended.message, finishedAt: ended.finishedAt };
    expect([...decide(s, { now: 39, templates, status }).replicas.values()]).toEqual([1, 1]);
    const after = decide(s, { now: 40, templates, status });
    expect([...after.replicas.values()]).toEqual([0, 0]);
    expect(after.requeueAfterMs).toBeUndefined();
    expect([...decide(spec({ terminate: true }), { now: 10, templates }).replicas.values()]).toEqual([0, 0]);
  });

  it('is Pending until every template is available, then Running for its duration, then Successful', () => {
    const pending = decide(spec({ duration: '60s' }), { templates: [up('baseline'), up('canary', 0)] });
    expect(pending).toMatchObject({ phase: 'Pending', startAnalyses: false, availableAt: undefined });
    expect(pending.message).toBe('waiting for template "canary" to be available');
    expect(pending.templateStatuses.map((t) => t.status)).toEqual(['Running', 'Progressing']);

    const running = decide(spec({ duration: '60s' }), { now: 10, templates: [up('baseline'), up('canary')] });
    expect(running).toMatchObject({ phase: 'Running', startAnalyses: true, requeueAfterMs: 60_000 });
    expect(running.availableAt).toBe(at(10).toISOString());
    expect(running.templateStatuses.map((t) => t.podTemplateHash)).toEqual(['h-baseline', 'h-canary']);

    const status = {
      phase: running.phase,
      availableAt: running.availableAt,
      templateStatuses: running.templateStatuses,
    };
    const done = decide(spec({ duration: '60s' }), {
      status,
      now: 70,
      templates: [up('baseline'), up('canary')],
    });
    expect(done).toMatchObject({
      phase: 'Successful',
      finished: true,
      startAnalyses: false,
      message: 'ran for 60s',
    });
    expect([...done.replicas.values()]).toEqual([0, 0]);
  });

  it('fails when an analysis fails, naming it, and stops everything', () => {
    const status: ExperimentStatus = { phase: 'Running', availableAt: at(0).toISOString() };
    const failed = decide(spec({ duration: '1h' }), {
      status,
      templates: [up('baseline'), up('canary')],
      analyses: [
        {
          name: 'compare',
          analysisRun: 'exp-compare',
          phase: 'Failed',
          message: 'metric "m" assessed Failed',
        },
      ],
    });
    expect(failed).toMatchObject({ phase: 'Failed', finished: true });
    expect(failed.message).toBe(
      'analysis "compare" (AnalysisRun exp-compare) ended Failed: metric "m" assessed Failed',
    );
    expect([...failed.replicas.values()]).toEqual([0, 0]);
  });

  it('without a duration, succeeds once every analysis required for completion has', () => {
    const s = spec({
      analyses: [
        { name: 'a', templateName: 't', requiredForCompletion: true },
        { name: 'b', templateName: 't' },
      ],
    });
    const status: ExperimentStatus = { phase: 'Running', availableAt: at(0).toISOString() };
    const templates = [up('baseline'), up('canary')];
    const run = (phase: AnalysisObservation['phase']) => [
      { name: 'a', analysisRun: 'x-a', phase, message: undefined },
    ];
    expect(decide(s, { status, templates, analyses: run('Running') }).phase).toBe('Running');
    expect(decide(s, { status, templates, analyses: run('Successful') }).phase).toBe('Successful');
  });

  it('fails a template that is not available within progressDeadlineSeconds', () => {
    const s = spec({ progressDeadlineSeconds: 30 });
    const waiting = decide(s, { now: 10, templates: [up('baseline'), up('canary', 0)] });
    expect(waiting).toMatchObject({ phase: 'Pending', requeueAfterMs: 20_000 });
    const late = decide(s, { now: 31, templates: [up('baseline'), up('canary', 0)] });
    expect(late.phase).toBe('Failed');
    expect(late.message).toContain('template "canary" did not have 1 available replicas within 30s');
  });

  it('terminate ends it Successful; a finished Experiment keeps its outcome', () => {
    const status: ExperimentStatus = { phase: 'Running', availableAt: at(0).toISOString() };
    const templates = [up('baseline'), up('canary')];
    expect(decide(spec({ terminate: true }), { status, templates })).toMatchObject({
      phase: 'Successful',
      message: 'terminated',
    });
    const kept = decide(spec(), { status: { ...status, phase: 'Failed', message: 'why' }, templates });
    expect(kept).toMatchObject({ phase: 'Failed', message: 'why', finished: true });
  });
});
