import {
  type AnalysisRun,
  type AnalysisRunStatus,
  analysisRunResource,
  type MetricResult,
} from '../api/analysis.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { AnalysisMetrics } from '../observability/analysis-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import { runSpans } from '../observability/tracing/commit-spans.ts';
import { parseTraceparent, TRACEPARENT_ANNOTATION } from '../observability/tracing/commit-trace.ts';
import { type CommitTracer, NO_TRACER } from '../observability/tracing/commit-tracer.ts';
import { apiTimeMillis } from '../runtime/api-time.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import { classify, type ReconcileError, StallingError } from '../runtime/reconcile-errors.ts';
import { AnalysisSpecError, isCompleted } from './assess/index.ts';
import { type MeasurementOutcome, type MetricProgress, measureMetric } from './measure.ts';
import type { RunRef } from './providers/job/job-manifest.ts';
import type { ProviderRegistry } from './providers/registry.ts';
import { runConditions } from './run-conditions.ts';
import { assess, currentResults, dueMetrics, nextWake, recordMeasurement } from './run-progress.ts';
import { type PreparedRun, prepareRun } from './run-spec.ts';
import { SecretReader } from './secrets.ts';

export interface AnalysisRunReconcilerDeps {
  api: ObjectApi;
  events: Pick<EventRecorder, 'record'>;
  providers: ProviderRegistry;
  metrics: AnalysisMetrics;
  /** The traces of commits: each measurement and the run's end, under the Rollout's update. */
  tracer?: CommitTracer | undefined;
  /** The clock; tests move it. */
  now?: () => Date;
}

interface Taken extends MeasurementOutcome {
  metric: string;
}

/** One pass over a run: its spec prepared, the results so far, what was measured now. */
class AnalysisRunPass extends ReconcilePass<AnalysisRun, AnalysisRunStatus> {
  prepared: PreparedRun | undefined;
  results: MetricResult[] = [];
  readonly taken: Taken[] = [];
  /** When the next measurement is due, for a run still going. */
  wake: Date | undefined;
  /** startedAt of the run: now, on its first pass. */
  readonly startedAt = this.status.startedAt ?? apiTimeMillis(this.now);
}

/**
 * AnalysisRun: measure the metrics that are due, judge each measurement, record it, and decide
 * the run, as Argo Rollouts' analysis controller does. All progress lives in status, written
 * once per reconcile with a resourceVersion precondition, so a restarted controller continues
 * where the last one stopped: a recorded measurement is never taken again and never lost.
 */
export class AnalysisRunReconciler extends SkeletonReconciler<
  AnalysisRun,
  AnalysisRunStatus,
  AnalysisRunPass
> {
  readonly kind = 'AnalysisRun';
  private readonly api: ObjectApi;
  private readonly events: Pick<EventRecorder, 'record'>;
  private readonly providers: ProviderRegistry;
  private readonly metrics: AnalysisMetrics;
  private readonly tracer: CommitTracer;

  constructor(deps: AnalysisRunReconcilerDeps) {
    super({
      api: deps.api,
      resource: analysisRunResource,
      // A run's status is the only record of the measurements taken: if the cache was stale or
      // another writer got there first, the 409 retries from fresh data instead of overwriting
      // a measurement or taking it twice.
      guardResourceVersion: true,
      failureReason: 'ReconcileFailed',
      now: deps.now,
    });
    this.api = deps.api;
    this.events = deps.events;
    this.providers = deps.providers;
    this.metrics = deps.metrics;
    this.tracer = deps.tracer ?? NO_TRACER;
  }

  protected steps(): readonly Step<AnalysisRunPass>[] {
    return [
      (pass) => this.prepare(pass),
      (pass) => this.measure(pass),
      (pass) => this.decide(pass),
      (pass) => this.stopInFlight(pass),
      (pass) => this.collectGarbage(pass),
    ];
  }

  /** A finished run is a record; nothing changes it again, not even terminate. */
  protected override settled(run: AnalysisRun): boolean {
    return isFinished(run.status?.phase);
  }

  protected begin(run: AnalysisRun, log: Logger, now: Date): AnalysisRunPass {
    const pass = new AnalysisRunPass(run, log, now);
    pass.status.startedAt = pass.startedAt;
    pass.status.observedGeneration = run.metadata.generation;
    return pass;
  }

  private prepare(pass: AnalysisRunPass): void {
    pass.prepared = prepareRun(pass.object.spec);
    pass.results = currentResults(pass.prepared, pass.object.status);
  }

  /** Takes the measurements that are due and records them in the results. */
  private async measure(pass: AnalysisRunPass): Promise<void> {
    const { object: run, results } = pass;
    const prepared = pass.prepared as PreparedRun;
    if (run.spec.terminate === true) return;
    const due = dueMetrics(prepared, results, pass.now, pass.startedAt);
    if (due.length === 0) return;
    const secrets = new SecretReader(this.api, run.metadata.namespace ?? 'default');
    const context = {
      providers: this.providers,
      secrets,
      secretArgs: prepared.args.secrets,
      now: this.clock,
      run: runRef(run),
    };
    const outcomes = await Promise.all(
      due.map((metric) => {
        const result = results[prepared.metrics.indexOf(metric)];
        return measureMetric(metric, context, progressOf(result));
      }),
    );
    due.forEach((metric, i) => {
      const index = prepared.metrics.indexOf(metric);
      const result = results[index];
      const outcome = outcomes[i];
      if (result === undefined || outcome === undefined) return;
      results[index] = recordMeasurement(result, outcome.measurement, metric.retention);
      pass.taken.push({ metric: metric.metric.name, ...outcome });
    });
  }

  /** Judges the results: the run's phase, message, summaries and conditions. */
  private decide(pass: AnalysisRunPass): void {
    const { object: run, status } = pass;
    const prepared = pass.prepared as PreparedRun;
    const assessed = assess(prepared, pass.results, run.spec.terminate === true);
    status.metricResults = assessed.results;
    status.phase = assessed.run.phase;
    status.message = assessed.run.message;
    status.runSummary = assessed.run.runSummary;
    if (assessed.run.dryRunSummary.count > 0) status.dryRunSummary = assessed.run.dryRunSummary;
    else delete status.dryRunSummary;
    if (isFinished(status.phase)) status.completedAt = apiTimeMillis(this.clock());
    else pass.wake = nextWake(prepared, assessed.results, pass.now, pass.startedAt);
    status.conditions = runConditions(
      status.conditions,
      run.metadata.generation,
      status.phase,
      status.message,
      pass.now,
    );
  }

  /**
   * A run that ended (terminated, or decided by another metric) stops what is still measuring:
   * the provider deletes it (a Job), and the measurement ends Successful as "terminated", as in
   * Argo Rollouts, so the run is decided without it.
   */
  private async stopInFlight(pass: AnalysisRunPass): Promise<void> {
    const { object: run, status } = pass;
    const prepared = pass.prepared as PreparedRun;
    if (!isFinished(status.phase) && run.spec.terminate !== true) return;
    let stopped = false;
    for (const [index, metric] of prepared.metrics.entries()) {
      const result = pass.results[index];
      const inFlight = result?.measurements?.at(-1);
      if (result === undefined || inFlight === undefined || isCompleted(inFlight.phase)) continue;
      const provider = this.providers.providerFor({ ...metric.metric.provider });
      await provider.terminate?.({
        metricName: metric.metric.name,
        provider: { ...metric.metric.provider },
        run: runRef(run),
        inFlight,
      });
      const finishedAt = apiTimeMillis(this.clock());
      const ended = { ...inFlight, phase: 'Successful' as const, message: 'metric terminated', finishedAt };
      delete ended.resumeAt;
      pass.results[index] = recordMeasurement(result, ended, metric.retention);
      stopped = true;
    }
    if (stopped) this.decide(pass);
  }

  /** Objects of measurements trimmed by retention (a metric's old Jobs) are deleted. */
  private async collectGarbage(pass: AnalysisRunPass): Promise<void> {
    const prepared = pass.prepared as PreparedRun;
    const finished = new Set(pass.taken.filter((t) => isCompleted(t.measurement.phase)).map((t) => t.metric));
    for (const [index, metric] of prepared.metrics.entries()) {
      if (!finished.has(metric.metric.name)) continue;
      const provider = this.providers.providerFor({ ...metric.metric.provider });
      if (provider.garbageCollect === undefined) continue;
      const kept = (pass.results[index]?.measurements ?? []).flatMap((m) => Object.values(m.metadata ?? {}));
      await provider.garbageCollect(runRef(pass.object), metric.metric.name, new Set(kept));
    }
  }

  protected override classify(thrown: unknown): ReconcileError {
    if (thrown instanceof AnalysisSpecError) {
      return new StallingError('InvalidSpec', `analysis spec invalid: ${thrown.message}`, { cause: thrown });
    }
    return classify(thrown);
  }

  /**
   * The spec cannot be run as written: the run ends in Error, saying what to fix and where;
   * that is its outcome, not a failure to retry. Anything else writes nothing and is retried.
   */
  protected failed(pass: AnalysisRunPass, failure: ReconcileError): ReconcileError | undefined {
    const { object: run, status } = pass;
    if (!(failure.cause instanceof AnalysisSpecError)) {
      pass.status = structuredClone(run.status ?? {});
      return failure;
    }
    status.phase = 'Error';
    status.message = failure.message;
    status.completedAt = apiTimeMillis(this.clock());
    status.conditions = runConditions(
      status.conditions,
      run.metadata.generation,
      'Error',
      status.message,
      pass.now,
    );
  }

  protected override saved(pass: AnalysisRunPass, failure: ReconcileError | undefined): void {
    if (failure) return;
    this.report(pass.object, pass.status, pass.taken, pass.log);
    this.trace(pass);
    if (pass.wake) pass.requeue(pass.wake.getTime() - this.clock().getTime());
  }

  private trace(pass: AnalysisRunPass): void {
    if (this.tracer === NO_TRACER) return;
    this.tracer.emit(runSpans(runTrace(pass, this.clock())));
  }

  /** Events, metrics and logs, once the status that they describe has been written. */
  private report(run: AnalysisRun, status: AnalysisRunStatus, taken: readonly Taken[], log: Logger): void {
    const namespace = run.metadata.namespace ?? '';
    for (const { metric, measurement, numeric } of taken) {
      this.metrics.measurements.inc({ namespace, metric, phase: measurement.phase });
      if (numeric !== undefined) this.metrics.metricValue.set({ namespace, metric }, numeric);
      const fields = {
        metric,
        phase: measurement.phase,
        value: measurement.value,
        detail: measurement.message,
      };
      // Every second or minute per metric: routine successes only at debug level.
      if (measurement.phase === 'Successful') log.debug(fields, 'measurement taken');
      else log.info(fields, 'measurement taken');
      if (measurement.phase !== 'Successful') {
        const value = measurement.value === undefined ? '' : ` measured ${measurement.value}`;
        const why = measurement.message === undefined ? '' : `: ${measurement.message}`;
        void this.events.record(
          run,
          'Warning',
          `Measurement${measurement.phase}`,
          `metric "${metric}"${value}${why}`,
        );
      }
    }
    const before = run.status?.phase;
    const after = status.phase;
    if (after === undefined || after === before) return;
    if (after === 'Running') {
      const names = (status.metricResults ?? []).map((result: MetricResult) => `"${result.name}"`);
      log.info({ metrics: names.length }, 'analysis run started');
      void this.events.record(run, 'Normal', 'AnalysisRunRunning', `measuring ${names.join(', ')}`);
    } else if (isFinished(after)) {
      this.metrics.runs.inc({ namespace, phase: after });
      log.info({ phase: after, detail: status.message }, 'analysis run finished');
      const type = after === 'Successful' ? 'Normal' : 'Warning';
      void this.events.record(run, type, `AnalysisRun${after}`, status.message ?? after);
    }
  }
}

/** Spans for what was just recorded; the run's traceparent annotation says which commit. */
function runTrace(pass: AnalysisRunPass, now: Date): Parameters<typeof runSpans>[0] {
  const { object: run, status } = pass;
  return {
    run: { namespace: run.metadata.namespace ?? '', name: run.metadata.name },
    parent: parseTraceparent(run.metadata.annotations?.[TRACEPARENT_ANNOTATION]),
    taken: pass.taken,
    phaseBefore: run.status?.phase,
    phase: status.phase,
    startedAt: status.startedAt ? new Date(status.startedAt) : undefined,
    completedAt: status.completedAt ? new Date(status.completedAt) : undefined,
    message: status.message,
    now,
  };
}

function runRef(run: AnalysisRun): RunRef {
  return {
    name: run.metadata.name,
    namespace: run.metadata.namespace ?? 'default',
    uid: run.metadata.uid ?? '',
  };
}

function progressOf(result: MetricResult | undefined): MetricProgress {
  const last = result?.measurements?.at(-1);
  return {
    inFlight: last !== undefined && !isCompleted(last.phase) ? last : undefined,
    measurementNumber: (result?.count ?? 0) + (result?.error ?? 0) + 1,
  };
}

function isFinished(phase: AnalysisRunStatus['phase']): boolean {
  return phase !== undefined && isCompleted(phase);
}
