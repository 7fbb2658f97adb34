import type { AnalysisRun, AnalysisRunStatus, MetricResult } from '../api/analysis.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { AnalysisMetrics } from '../observability/analysis-metrics.ts';
import { apiTimeMillis } from '../runtime/api-time.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { AnalysisSpecError, isCompleted } from './assess/index.ts';
import { type MeasurementOutcome, measureMetric } from './measure.ts';
import type { ProviderRegistry } from './providers/registry.ts';
import { assess, currentResults, dueMetrics, nextWake, recordMeasurement } from './run-progress.ts';
import { type PreparedRun, prepareRun } from './run-spec.ts';
import { patchRunStatus, runConditions } from './run-status.ts';
import { SecretReader } from './secrets.ts';

export interface AnalysisRunReconcilerDeps {
  api: ObjectApi;
  events: Pick<EventRecorder, 'record'>;
  providers: ProviderRegistry;
  metrics: AnalysisMetrics;
  /** The clock; tests move it. */
  now?: () => Date;
}

interface Taken extends MeasurementOutcome {
  metric: string;
}

/**
 * AnalysisRun: measure the metrics that are due, judge each measurement, record it, and decide
 * the run, as Argo Rollouts' analysis controller does. All progress lives in status, written
 * once per reconcile with a resourceVersion precondition, so a restarted controller continues
 * where the last one stopped: a recorded measurement is never taken again and never lost.
 */
export class AnalysisRunReconciler implements Reconciler<AnalysisRun> {
  readonly kind = 'AnalysisRun';
  private readonly api: ObjectApi;
  private readonly events: Pick<EventRecorder, 'record'>;
  private readonly providers: ProviderRegistry;
  private readonly metrics: AnalysisMetrics;
  private readonly now: () => Date;

  constructor(deps: AnalysisRunReconcilerDeps) {
    this.api = deps.api;
    this.events = deps.events;
    this.providers = deps.providers;
    this.metrics = deps.metrics;
    this.now = deps.now ?? (() => new Date());
  }

  async reconcile(run: AnalysisRun, ctx: ReconcileContext): Promise<ReconcileResult> {
    // A finished run is a record; nothing changes it again, not even terminate.
    if (run.metadata.deletionTimestamp || isFinished(run.status?.phase)) return {};
    const now = this.now();
    const status: AnalysisRunStatus = structuredClone(run.status ?? {});
    const startedAt = status.startedAt ?? apiTimeMillis(now);
    status.startedAt = startedAt;
    status.observedGeneration = run.metadata.generation;

    let prepared: PreparedRun;
    try {
      prepared = prepareRun(run.spec);
    } catch (error) {
      if (error instanceof AnalysisSpecError) return this.endInvalid(run, status, error, ctx);
      throw error;
    }

    const results = currentResults(prepared, run.status);
    const terminate = run.spec.terminate === true;
    const taken: Taken[] = [];
    if (!terminate) {
      const due = dueMetrics(prepared, results, now, startedAt);
      if (due.length > 0) {
        const secrets = new SecretReader(this.api, run.metadata.namespace ?? 'default');
        const context = {
          providers: this.providers,
          secrets,
          secretArgs: prepared.args.secrets,
          now: this.now,
        };
        let outcomes: MeasurementOutcome[];
        try {
          outcomes = await Promise.all(due.map((metric) => measureMetric(metric, context)));
        } catch (error) {
          if (error instanceof AnalysisSpecError) return this.endInvalid(run, status, error, ctx);
          throw error;
        }
        due.forEach((metric, i) => {
          const index = prepared.metrics.indexOf(metric);
          const result = results[index];
          const outcome = outcomes[i];
          if (result === undefined || outcome === undefined) return;
          results[index] = recordMeasurement(result, outcome.measurement, metric.retention);
          taken.push({ metric: metric.metric.name, ...outcome });
        });
      }
    }

    const assessed = assess(prepared, results, terminate);
    status.metricResults = assessed.results;
    status.phase = assessed.run.phase;
    status.message = assessed.run.message;
    status.runSummary = assessed.run.runSummary;
    if (assessed.run.dryRunSummary.count > 0) status.dryRunSummary = assessed.run.dryRunSummary;
    else delete status.dryRunSummary;
    const finished = isFinished(status.phase);
    if (finished) status.completedAt = apiTimeMillis(this.now());
    status.conditions = runConditions(
      status.conditions,
      run.metadata.generation,
      status.phase,
      status.message,
    );

    // The next reconcile must see this write even if the watch has not delivered it yet.
    ctx.observe(await patchRunStatus(this.api, run, status));
    this.report(run, status, taken, ctx);
    if (finished) return {};
    const wake = nextWake(prepared, assessed.results, now, startedAt);
    return wake === undefined ? {} : { requeueAfterMs: Math.max(0, wake.getTime() - this.now().getTime()) };
  }

  /** The spec cannot be run as written: the run ends in Error, saying what to fix and where. */
  private async endInvalid(
    run: AnalysisRun,
    status: AnalysisRunStatus,
    error: AnalysisSpecError,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    status.phase = 'Error';
    status.message = `analysis spec invalid: ${error.message}`;
    status.completedAt = apiTimeMillis(this.now());
    status.conditions = runConditions(status.conditions, run.metadata.generation, 'Error', status.message);
    // The next reconcile must see this write even if the watch has not delivered it yet.
    ctx.observe(await patchRunStatus(this.api, run, status));
    this.report(run, status, [], ctx);
    return {};
  }

  /** Events, metrics and logs, once the status that they describe has been written. */
  private report(
    run: AnalysisRun,
    status: AnalysisRunStatus,
    taken: readonly Taken[],
    ctx: ReconcileContext,
  ): void {
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
      if (measurement.phase === 'Successful') ctx.log.debug(fields, 'measurement taken');
      else ctx.log.info(fields, 'measurement taken');
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
      ctx.log.info({ metrics: names.length }, 'analysis run started');
      void this.events.record(run, 'Normal', 'AnalysisRunRunning', `measuring ${names.join(', ')}`);
    } else if (isFinished(after)) {
      this.metrics.runs.inc({ namespace, phase: after });
      ctx.log.info({ phase: after, detail: status.message }, 'analysis run finished');
      const type = after === 'Successful' ? 'Normal' : 'Warning';
      void this.events.record(run, type, `AnalysisRun${after}`, status.message ?? after);
    }
  }
}

function isFinished(phase: AnalysisRunStatus['phase']): boolean {
  return phase !== undefined && isCompleted(phase);
}
