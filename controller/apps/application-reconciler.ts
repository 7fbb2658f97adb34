import {
  type Application,
  type ApplicationStatus,
  applicationResource,
  CONDITION_HEALTHY,
  CONDITION_ROLLED_BACK,
  type HelmChartReference,
  type SyncOperation,
  type SyncRecord,
} from '../api/application.ts';
import type { GitRepository } from '../api/git-repository.ts';
import type { HelmRepository } from '../api/helm-repository.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { Logger } from '../observability/logger.ts';
import type { CommitTracer } from '../observability/tracing/commit-tracer.ts';
import { apiTime } from '../runtime/api-time.ts';
import {
  findCondition,
  markFailed,
  markReady,
  READY,
  removeCondition,
  setCondition,
} from '../runtime/conditions.ts';
import { jitter, parseDuration } from '../runtime/duration.ts';
import { type EventRecorder, recordOnChange } from '../runtime/events.ts';
import { FINALIZER } from '../runtime/finalizers.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import {
  classify,
  type ReconcileError,
  retryAfter,
  StallingError,
  TransientError,
  WaitingError,
} from '../runtime/reconcile-errors.ts';
import type { GitSource } from '../sources/git-source.ts';
import type { HelmCharts, ResolvedChart } from '../sources/helm-repository/helm-charts.ts';
import type { PushTracker } from '../webhooks/push-tracker.ts';
import type { AppMetrics } from './app-metrics.ts';
import type { AppState, DriftReport } from './app-state.ts';
import { deleteApplication } from './deletion/delete-application.ts';
import { keepOnDeleteReason } from './deletion/keep-reason.ts';
import type { ExistingNames } from './existing-names.ts';
import { CustomHealth, HealthCheckExprError } from './health/custom.ts';
import { listPods, type PodLister } from './health/pod-reader.ts';
import { type ChartContext, chartApp, chartContext, currentRenderKey } from './helm/app-chart.ts';
import { HelmRenderError } from './helm/helm-errors.ts';
import type { Capabilities } from './helm/render-chart.ts';
import { carriedHooks } from './hooks/hook-objects.ts';
import { SyncOperationFailed, SyncWaiting } from './hooks/operation.ts';
import { checkIgnoreDifferences, IgnoreDifferencesError } from './ignore-differences.ts';
import { declaredInputs } from './inputs/generate-paths.ts';
import { touches } from './inputs/input-paths.ts';
import { ManifestError } from './manifest.ts';
import { health as appHealth, appTarget, sync, syncTarget } from './pipeline.ts';
import { RenderError } from './render.ts';
import type { RestMapper } from './rest-mapper.ts';
import { PathEscapeError } from './safe-path.ts';
import { type RollbackReport, rollbackOf, servingOf } from './serving.ts';
import { SyncError, type Syncer } from './sync.ts';
import { SyncTrace } from './sync-trace.ts';

const HISTORY_LIMIT = 10;
/** The history message of a revision taken without a render (inputsUnchanged). */
const INPUTS_UNCHANGED = 'inputs unchanged: not rendered';
const WAIT_POLL_MS = 5_000;
/**
 * How soon to look again while WaitForTermination waits: after a restart nothing watches
 * the kinds being deleted until a sync would, so their going away wakes nobody.
 */
const DELETION_POLL_MS = 2_000;
/**
 * How soon to look again while a workload is Progressing: a pod that starts crash-looping
 * changes nothing the managed-object watches see (see health/pod-reader.ts). Other kinds
 * that stay Progressing (an Ingress no controller gives an address) wait for their watch.
 */
const PODS_POLL_MS = 5_000;

export interface ApplicationDeps {
  api: ObjectApi;
  mapper: RestMapper;
  state: AppState;
  source: GitSource;
  repositories: Informer<GitRepository>;
  charts: Pick<HelmCharts, 'resolve' | 'files' | 'withDependencies'>;
  helmRepositories: Informer<HelmRepository>;
  applications: Informer<Application>;
  events: Pick<EventRecorder, 'record'>;
  metrics: AppMetrics;
  pushes: PushTracker;
  kustomize: string;
  /** The helm binary, for Applications whose path holds a chart. */
  helm: string;
  /** The cluster's `.Capabilities` for charts (discovery, cached; invalidated when a sync changes a CRD). */
  capabilities: { get(): Promise<Capabilities>; invalidate(): void };
  defaultServiceAccount: string | undefined;
  /** A workload's pods, for health; defaults to listing them through `api`. */
  pods?: PodLister;
  /** The traces of commits: fetch, render and apply of each revision. */
  tracer?: CommitTracer | undefined;
  /** Which objects exist, whoever made them: lets a first sync create without dry-runs. */
  existing?: Pick<ExistingNames, 'absent'>;
  /** The sync pipeline (`pipeline.ts`); the reconciler's unit tests script it. */
  sync?: typeof sync;
  /** The clock; tests move it. */
  now?: () => Date;
}

/** One reconcile of an Application: the state plus what its steps find on the way. */
class ApplicationPass extends ReconcilePass<Application, ApplicationStatus> {
  readonly key = `${this.object.metadata.namespace}/${this.object.metadata.name}`;
  readonly intervalMs = parseDuration(this.object.spec.interval);
  /** Stalled and waiting objects are retried at retryInterval: the fix may come from git. */
  readonly retryMs = this.object.spec.retryInterval
    ? parseDuration(this.object.spec.retryInterval)
    : this.intervalMs;
  /** The source found: a git revision, or a chart version from a HelmRepository. */
  repo: GitRepository | undefined;
  chart: { repo: HelmRepository; resolved: ResolvedChart } | undefined;
  revision = '';
  custom: CustomHealth | undefined;
}

/**
 * Application: render the source revision, validate it all by server-side dry-run, apply
 * in order, prune what left git, then watch what was applied: drift is re-applied and
 * health follows the live objects. Status is patched once per reconcile.
 */
export class ApplicationReconciler extends SkeletonReconciler<
  Application,
  ApplicationStatus,
  ApplicationPass
> {
  readonly kind = 'Application';
  private readonly deps: ApplicationDeps;

  constructor(deps: ApplicationDeps) {
    super({
      api: deps.api,
      resource: applicationResource,
      recordReconcileRequests: true,
      failureReason: 'ReconciliationFailed',
      finalizer: FINALIZER,
      now: deps.now,
    });
    this.deps = deps;
  }

  forget(key: string): void {
    this.deps.state.forget(key);
    const old = this.published.get(key);
    if (old) this.deps.metrics.state.remove(old);
    this.published.delete(key);
  }

  protected steps(): readonly Step<ApplicationPass>[] {
    return [
      (pass) => this.compileHealthChecks(pass),
      (pass) => this.checkIgnoreDifferences(pass),
      (pass) => this.checkDependencies(pass),
      (pass) => this.findSource(pass),
      (pass) => this.sync(pass),
      (pass) => this.assessHealth(pass),
    ];
  }

  protected begin(app: Application, log: Logger, now: Date): ApplicationPass {
    const pass = new ApplicationPass(app, log, now);
    pass.requeue(jitter(pass.intervalMs));
    return pass;
  }

  protected override suspended(app: Application): boolean {
    return app.spec.suspend === true;
  }

  /** spec.deletionPolicy on what the inventory lists (deletion/delete-application.ts). */
  protected override async finalize(pass: ApplicationPass): Promise<boolean> {
    const done = await deleteApplication({
      app: pass.object,
      status: pass.status,
      syncer: this.syncer(pass.object),
      events: this.deps.events,
      keepReason: keepOnDeleteReason,
      log: pass.log,
      now: pass.now,
    });
    if (!done) pass.requeue(DELETION_POLL_MS);
    return done;
  }

  /** A full sync when something asks for one; otherwise only what drifted is applied again. */
  private async sync(pass: ApplicationPass): Promise<void> {
    const { object: app, status, key, revision, repo } = pass;
    const previousRevision = status.lastAppliedRevision;
    const newSpec = status.observedGeneration !== app.metadata.generation;
    const running = status.operation?.phase === 'Running';
    const moved = await this.inputsUnchanged(pass);
    const full =
      pass.forced ||
      newSpec ||
      running ||
      (previousRevision !== revision && !moved) ||
      !this.deps.state.has(key, revision) ||
      (await this.chartInputsChanged(pass));
    const started = this.clock();
    if (full) {
      const firstSync = status.lastAttemptedRevision === undefined && !status.inventory?.entries?.length;
      status.lastAttemptedRevision = revision;
      const operation = this.operation(pass);
      status.operation = operation;
      const report = await this.fullSync(
        pass,
        { skipUnchanged: !pass.forced && !newSpec, firstSync },
        operation,
      );
      operation.phase = 'Succeeded';
      this.recordHistory(status, { revision, started, result: 'Succeeded', report });
      if (repo && previousRevision !== revision) {
        const latency = this.deps.pushes.applied(`${repo.metadata.namespace}/${repo.metadata.name}`);
        if (latency !== undefined) this.deps.metrics.pushToApplied.observe(latency);
      }
    } else {
      if (moved) {
        // Recorded as the sync it stands for, so history, trail and `kubectl sluice get` tell
        // that this revision is applied: nothing of it needed sending.
        status.lastAttemptedRevision = revision;
        const report = { changed: 0, changedIds: [], prunedIds: [], inventory: [] };
        this.recordHistory(status, {
          revision,
          started,
          result: 'Succeeded',
          report,
          message: INPUTS_UNCHANGED,
        });
        pass.log.debug({ revision, previous: previousRevision }, INPUTS_UNCHANGED);
      }
      const report = await this.deps.state.correctDrift(key, this.syncer(app));
      if (report.changed > 0) {
        this.recordHistory(status, { revision, started, result: 'Succeeded', report, drift: true });
        this.deps.events.record(
          app,
          'Normal',
          'DriftCorrected',
          `re-applied ${report.changedIds.join(', ')}`,
        );
        pass.log.info({ objects: report.changedIds }, 'drift corrected');
      }
    }
    status.lastAppliedRevision = revision;
    status.syncStatus = 'Synced';
    status.observedGeneration = app.metadata.generation;
  }

  /**
   * Whether the source's new revision leaves this Application as it is: no path its last
   * render read (or that manifest-generate-paths declares) changed since the revision it
   * applied. It then moves to the new revision without rendering or applying: its objects
   * keep the revision stamp of the commit that last changed them.
   */
  private async inputsUnchanged(pass: ApplicationPass): Promise<boolean> {
    const { object: app, status, key, revision, repo } = pass;
    const previous = status.lastAppliedRevision;
    if (!repo || !previous || previous === revision || pass.forced) return false;
    if (status.observedGeneration !== app.metadata.generation) return false;
    // A sync under way or failed, or a revision attempted and not applied, is no base to move from.
    if (status.operation?.phase !== 'Succeeded') return false;
    if (status.lastAttemptedRevision !== undefined && status.lastAttemptedRevision !== previous) return false;
    if (!this.deps.state.has(key, previous)) return false;
    if (await this.inputsChanged(app, repo)) return false;
    return this.deps.state.advance(key, previous, revision);
  }

  /**
   * True when the repository's current revision may change what this Application renders
   * from the revision it applied: a path its inputs hold changed, or that cannot be told.
   * The controller puts these first in its queue.
   */
  async inputsChanged(app: Application, repo: GitRepository): Promise<boolean> {
    const previous = app.status?.lastAppliedRevision;
    const revision = repo.status?.artifact?.revision;
    if (!previous || !revision) return true;
    if (previous === revision) return false;
    const changed = await this.deps.source.changedFiles(repo, previous, revision);
    if (!changed) return true;
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    return touches(declaredInputs(app) ?? this.deps.state.inputs(key), changed);
  }

  /**
   * A chart's values may come from ConfigMaps and Secrets, and its capabilities from the
   * cluster: when the render key (chart, values, capabilities) is not the one last applied,
   * the chart is rendered and synced again. Unchanged, helm does not run.
   */
  private async chartInputsChanged(pass: ApplicationPass): Promise<boolean> {
    const last = this.deps.state.renderKey(pass.key);
    if (last === undefined) return false;
    const files = await this.files(pass).catch(() => undefined); // the full sync reports it
    if (!files) return false;
    const current = await currentRenderKey(
      files.dir,
      files.path,
      chartApp(pass.object),
      this.chartContext(pass),
    ).catch(
      () => undefined, // the full sync reports it
    );
    pass.log.debug({ stage: 'helm', unchanged: current === last }, 'chart inputs checked');
    return current !== last;
  }

  private chartContext(pass: ApplicationPass): ChartContext {
    return chartContext(this.deps.api, pass.object.metadata.namespace as string, {
      helm: this.deps.helm,
      capabilities: () => this.deps.capabilities.get(),
      onRender: ({ cached, chart }) => {
        this.deps.metrics.helmRenders.inc({ cached: String(cached) });
        pass.log.debug({ stage: 'helm', chart, cached }, cached ? 'chart render cached' : 'chart rendered');
      },
    });
  }

  /** healthCheckExprs that do not compile need a person: stall before applying anything. */
  private compileHealthChecks(pass: ApplicationPass): void {
    const exprs = pass.object.spec.healthCheckExprs;
    if (!exprs?.length) return;
    try {
      pass.custom = new CustomHealth(exprs);
    } catch (err) {
      if (err instanceof HealthCheckExprError)
        throw new StallingError('InvalidHealthCheck', err.message, { cause: err });
      throw err;
    }
  }

  /** Rules that cannot be honoured need a person too: applying without them would take fields over. */
  private checkIgnoreDifferences(pass: ApplicationPass): void {
    try {
      checkIgnoreDifferences(pass.object.spec.ignoreDifferences);
    } catch (err) {
      if (err instanceof IgnoreDifferencesError)
        throw new StallingError('InvalidIgnoreDifferences', err.message, { cause: err });
      throw err;
    }
  }

  /**
   * The sync operation this reconcile works on: the one under way for this revision and
   * spec, or a new one. A failed one is not run again until something changes or a
   * reconcile is requested (as Argo CD does not retry a failed sync by itself).
   */
  private operation(pass: ApplicationPass): SyncOperation {
    const { object: app, status, revision } = pass;
    const last = status.operation;
    const same = last?.revision === revision && last.generation === app.metadata.generation;
    // Applied already: by this operation, or taken without a render since (inputsUnchanged).
    const applied =
      last?.phase === 'Succeeded' &&
      last.generation === app.metadata.generation &&
      (last.revision === revision || status.lastAppliedRevision === revision);
    if (same && last.phase === 'Running') return last;
    if (same && last.phase === 'Failed' && !pass.forced) {
      throw new StallingError(
        last.reason ?? 'SyncFailed',
        `revision ${revision}: ${last.message ?? 'sync failed'}`,
      );
    }
    // Synced already, and only the memory of it is gone (a restart, or new cluster
    // capabilities): apply, run no hook twice, and keep the record of the hooks that ran.
    const replay = applied && !pass.forced;
    return {
      revision,
      ...(app.metadata.generation !== undefined ? { generation: app.metadata.generation } : {}),
      startedAt: apiTime(this.clock()),
      phase: 'Running',
      step: 0,
      ...(replay ? { replay: true } : {}),
      // A replay of this revision's own sync keeps the record of the hooks it ran.
      hooks: replay && same ? (last.hooks ?? []).map((h) => ({ ...h })) : carriedHooks(last),
    };
  }

  private async assessHealth(pass: ApplicationPass): Promise<void> {
    const { object: app, status, revision } = pass;
    const generation = app.metadata.generation;
    const health = await appHealth(this.deps.state, pass.key, {
      pods: this.deps.pods ?? listPods(this.deps.api),
      custom: pass.custom,
    });
    if (health.podsPending) pass.requeue(PODS_POLL_MS);
    // Healthy at first sight is no news beside the Synced event (one Event less per new
    // Application); any later change, or a first Degraded, is.
    if (health.status !== status.health && (status.health !== undefined || health.status !== 'Healthy')) {
      const type = health.status === 'Degraded' ? 'Warning' : 'Normal';
      this.deps.events.record(app, type, `Health${health.status}`, health.message);
    }
    status.health = health.status;
    status.conditions = setCondition(
      status.conditions,
      {
        type: CONDITION_HEALTHY,
        status: health.status === 'Healthy' ? 'True' : health.status === 'Degraded' ? 'False' : 'Unknown',
        reason: health.status,
        message: health.message,
        observedGeneration: generation,
      },
      pass.now,
    );
    const rollback = this.reportServing(pass);
    if (app.spec.wait && health.status !== 'Healthy') {
      status.conditions = this.waitConditions(pass, health.message);
      pass.requeue(WAIT_POLL_MS);
    } else {
      const serving = rollback
        ? `; serving revision ${rollback.serving ?? 'unknown'} (${rollback.revision} was rolled back)`
        : '';
      status.conditions = markReady(
        status.conditions,
        generation,
        'ReconciliationSucceeded',
        `applied revision: ${revision}${serving}`,
        pass.now,
      );
    }
  }

  /**
   * status.serving from the live Rollouts, and RolledBack while one of them has aborted its
   * update (with a Warning Event once per rollback); a later revision that promotes clears it.
   */
  private reportServing(pass: ApplicationPass): RollbackReport | undefined {
    const { object: app, status } = pass;
    const live = this.deps.state.live(pass.key).map((l) => l.object);
    const serving = servingOf(live);
    status.serving = serving.length > 0 ? serving : undefined;
    const rollback = rollbackOf(live);
    if (!rollback) {
      status.conditions = removeCondition(status.conditions, CONDITION_ROLLED_BACK);
      return undefined;
    }
    status.conditions = setCondition(
      status.conditions,
      {
        type: CONDITION_ROLLED_BACK,
        status: 'True',
        reason: 'RolloutAborted',
        message: rollback.message,
        observedGeneration: app.metadata.generation,
      },
      pass.now,
    );
    const previous = findCondition(app.status?.conditions, CONDITION_ROLLED_BACK)?.message;
    recordOnChange(
      this.deps.events,
      app,
      { previous, current: rollback.message },
      'Warning',
      'RolledBack',
      rollback.message,
    );
    pass.log.info({ rollout: rollback.rollout, rolledBack: rollback.revision }, 'rollout rolled back');
    return rollback;
  }

  protected failed(pass: ApplicationPass, failure: ReconcileError): ReconcileError {
    const { object: app, status } = pass;
    // A failed deletion says so in status.deletion and the conditions; it is no sync.
    if (failure.errorClass !== 'waiting' && !app.metadata.deletionTimestamp) {
      status.syncStatus = 'OutOfSync';
      if (status.lastAttemptedRevision && status.lastAttemptedRevision !== status.lastAppliedRevision) {
        this.recordHistory(status, {
          revision: status.lastAttemptedRevision,
          started: this.clock(),
          result: 'Failed',
          message: failure.message,
        });
      }
    }
    status.conditions = markFailed(
      status.conditions,
      app.metadata.generation,
      failure,
      failure.message,
      pass.now,
    );
    recordOnChange(
      this.deps.events,
      app,
      { previous: findCondition(app.status?.conditions, READY)?.message, current: failure.message },
      failure.errorClass === 'waiting' ? 'Normal' : 'Warning',
      failure.reason,
      failure.message,
    );
    if (failure.errorClass === 'stalling') status.observedGeneration = app.metadata.generation;
    return failure.errorClass === 'transient'
      ? failure
      : retryAfter(failure, failure.retryAfterMs ?? pass.retryMs);
  }

  protected override summarise(pass: ApplicationPass): void {
    this.publishState(pass.key, pass.object, pass.status);
    pass.log.debug({ stage: 'status', revision: pass.status.lastAppliedRevision }, 'sync stage');
  }

  private async fullSync(
    pass: ApplicationPass,
    { skipUnchanged, firstSync }: { skipUnchanged: boolean; firstSync: boolean },
    operation: SyncOperation,
  ): Promise<DriftReport> {
    const { object: app, status, revision, log } = pass;
    const end = this.deps.metrics.syncDuration.startTimer();
    const traced = new SyncTrace(this.deps.tracer, () => this.clock());
    const target = {
      app: { namespace: app.metadata.namespace ?? '', name: app.metadata.name },
      revision,
      repo: pass.repo,
    };
    const onStage = (stage: string, detail?: Record<string, unknown>) => {
      traced.mark(stage);
      log.debug({ stage, revision, ...detail }, 'sync stage');
    };
    try {
      onStage('artifact');
      const files = await this.files(pass);
      const report = await (this.deps.sync ?? sync)(
        this.deps.state,
        `${app.metadata.namespace}/${app.metadata.name}`,
        {
          dir: files.dir,
          path: files.path,
          revision,
          ...appTarget(app),
          prune: app.spec.prune,
          previous: status.inventory?.entries ?? [],
          kustomize: this.deps.kustomize,
          chart: { app: chartApp(app), ctx: this.chartContext(pass) },
          onStage,
          skipUnchanged,
          firstSync,
          operation,
          stepTimeoutMs: parseDuration(app.spec.timeout ?? app.spec.interval),
          now: () => this.clock(),
        },
        this.syncer(app),
      );
      status.inventory = { entries: report.inventory };
      // A chart may ask whether a kind is served (.Capabilities.APIVersions): read them again.
      if (report.changedIds.some((id) => id.endsWith('_apiextensions.k8s.io_CustomResourceDefinition')))
        this.deps.capabilities.invalidate();
      end({ result: 'success' });
      this.deps.metrics.syncs.inc({ result: 'success' });
      this.deps.metrics.applied.inc(report.changed);
      this.deps.metrics.pruned.inc(report.prunedIds.length);
      log.info({ revision, changed: report.changed, pruned: report.prunedIds.length }, 'synced');
      // A revision that changed none of this Application's objects (another path of a
      // shared repository) is in status and history; an Event for each of a thousand
      // Applications on every push would bury the ones that say something.
      if (report.changed > 0 || report.prunedIds.length > 0 || !status.lastAppliedRevision) {
        this.deps.events.record(
          app,
          'Normal',
          'Synced',
          `applied revision ${revision}: ${report.changed} changed, ${report.prunedIds.length} pruned, ${report.inventory.length} total`,
        );
      }
      traced.end(target, status, {
        changed: report.changed,
        pruned: report.prunedIds.length,
        changedIds: report.changedIds,
      });
      return report;
    } catch (err) {
      // A sync waiting for a hook or a wave has not failed: it goes on at the next reconcile.
      if (err instanceof SyncWaiting) {
        traced.end(target, status, { waiting: err.message });
        log.debug({ revision, waiting: err.message }, 'sync waiting');
        throw new WaitingError('SyncProgressing', `revision ${revision}: ${err.message}`, WAIT_POLL_MS, {
          cause: err,
        });
      }
      end({ result: 'failure' });
      this.deps.metrics.syncs.inc({ result: 'failure' });
      const failure = classifySyncError(err, revision);
      traced.end(target, status, { error: failure.message });
      throw failure;
    }
  }

  private readonly published = new Map<string, Record<'namespace' | 'name' | 'sync' | 'health', string>>();

  /** One info series per Application: the old one goes when sync or health changes. */
  private publishState(key: string, app: Application, status: ApplicationStatus): void {
    const labels = {
      namespace: app.metadata.namespace as string,
      name: app.metadata.name,
      sync: status.syncStatus ?? 'Unknown',
      health: status.health ?? 'Unknown',
    };
    const old = this.published.get(key);
    if (old && (old.sync !== labels.sync || old.health !== labels.health))
      this.deps.metrics.state.remove(old);
    this.deps.metrics.state.set(labels, 1);
    this.published.set(key, labels);
  }

  private syncer(app: Application): Syncer {
    const existing = this.deps.existing;
    return syncTarget({
      api: this.deps.api,
      mapper: this.deps.mapper,
      app,
      defaultServiceAccount: this.deps.defaultServiceAccount,
      liveService: (o) => this.deps.state.liveService(o),
      liveObject: (o, rt) => this.deps.state.liveObject(this.deps.api, o, rt),
      notify: (reason, message) => this.deps.events.record(app, 'Normal', reason, message),
      ...(existing ? { absent: (rt, ns, name) => existing.absent(rt, ns, name) } : {}),
    });
  }

  private async findSource(pass: ApplicationPass): Promise<void> {
    const app = pass.object;
    const chart = app.spec.helm?.chart;
    if (chart) return this.findChart(pass, chart);
    const ref = app.spec.sourceRef;
    if (!ref) throw new StallingError('InvalidSpec', 'spec.sourceRef or spec.helm.chart must be set');
    const ns = ref.namespace ?? app.metadata.namespace;
    const repo = this.deps.repositories.get(`${ns}/${ref.name}`);
    if (!repo)
      throw new WaitingError('SourceNotFound', `GitRepository ${ns}/${ref.name} not found`, pass.retryMs);
    if (!repo.status?.artifact?.revision) {
      throw new WaitingError(
        'SourceNotReady',
        `GitRepository ${ns}/${ref.name} has no artifact yet`,
        pass.retryMs,
      );
    }
    pass.repo = repo;
    pass.revision = repo.status.artifact.revision;
  }

  /** spec.helm.chart: the highest version in range is the revision, `<version>@sha256:<digest>`. */
  private async findChart(pass: ApplicationPass, chart: HelmChartReference): Promise<void> {
    const ns = pass.object.metadata.namespace as string;
    const name = `HelmRepository ${ns}/${chart.sourceRef.name}`;
    const repo = this.deps.helmRepositories.get(`${ns}/${chart.sourceRef.name}`);
    if (!repo) throw new WaitingError('SourceNotFound', `${name} not found`, pass.retryMs);
    const ready = findCondition(repo.status?.conditions, READY);
    if (ready?.status !== 'True' && !repo.status?.artifact) {
      const why = ready?.message ? `: ${ready.message}` : '';
      throw new WaitingError('SourceNotReady', `${name} is not ready${why}`, pass.retryMs);
    }
    try {
      const resolved = await this.deps.charts.resolve(repo, chart);
      pass.chart = { repo, resolved };
      pass.revision = resolved.revision;
    } catch (err) {
      throw chartError(err, `chart ${chart.name} from ${name}`);
    }
  }

  /**
   * The files to render: the pulled chart, or the git revision's tree (a copy with the
   * dependencies built when a chart at path has some that are not vendored).
   */
  private async files(pass: ApplicationPass): Promise<{ dir: string; path: string }> {
    const { object: app, chart, repo } = pass;
    const ns = app.metadata.namespace as string;
    const inNamespace = () => this.deps.helmRepositories.list().filter((r) => r.metadata.namespace === ns);
    if (chart) {
      try {
        const dir = await this.deps.charts.files(chart.repo, chart.resolved, inNamespace());
        return { dir, path: chart.resolved.name };
      } catch (err) {
        throw chartError(err, `chart ${chart.resolved.name} ${chart.resolved.version}`);
      }
    }
    const files = repo ? await this.deps.source.artifactFiles(repo) : undefined;
    if (!files) throw new WaitingError('ArtifactNotReady', 'source has no artifact yet', 5_000);
    const path = app.spec.path ?? '.';
    return { dir: await this.deps.charts.withDependencies(files.dir, path, ns, inNamespace()), path };
  }

  private checkDependencies(pass: ApplicationPass): void {
    const app = pass.object;
    for (const dep of app.spec.dependsOn ?? []) {
      const ns = dep.namespace ?? app.metadata.namespace;
      const other = this.deps.applications.get(`${ns}/${dep.name}`);
      const ready = findCondition(other?.status?.conditions, READY);
      const current = other && other.status?.observedGeneration === other.metadata.generation;
      if (!other || ready?.status !== 'True' || !current) {
        throw new WaitingError(
          'DependencyNotReady',
          `dependency ${ns}/${dep.name} is not ready`,
          Math.min(pass.retryMs, 5_000),
        );
      }
    }
  }

  private waitConditions(pass: ApplicationPass, message: string) {
    const { object: app, status, revision } = pass;
    const timeoutMs = parseDuration(app.spec.timeout ?? app.spec.interval);
    const now = this.clock().getTime();
    const last = status.history?.[0];
    const since = last ? Date.parse(last.time) : now;
    const expired = now - since > timeoutMs;
    const reason = expired ? 'HealthCheckFailed' : 'Progressing';
    const text = `${expired ? 'health check timed out' : 'waiting for health'} after applying ${revision}: ${message}`;
    return markFailed(
      status.conditions,
      app.metadata.generation,
      { reason, errorClass: expired ? 'stalling' : 'transient' },
      text,
      pass.now,
    );
  }

  private recordHistory(
    status: ApplicationStatus,
    r: {
      revision: string;
      started: Date;
      result: SyncRecord['result'];
      report?: DriftReport;
      message?: string;
      drift?: boolean;
    },
  ): void {
    const record: SyncRecord = {
      revision: r.revision,
      startedAt: apiTime(r.started),
      time: apiTime(this.clock()),
      result: r.result,
      ...(r.report ? { objectsChanged: r.report.changed, objectsPruned: r.report.prunedIds.length } : {}),
      ...(r.message ? { message: r.message.slice(0, 1024) } : r.drift ? { message: 'drift corrected' } : {}),
    };
    const [prev, ...older] = status.history ?? [];
    // A failure repeated on every retry is one entry, not ten.
    if (prev && r.result === 'Failed' && prev.result === 'Failed' && prev.revision === r.revision) return;
    // Commits that did not touch the Application take one entry between its syncs, the
    // latest: in a busy repository they would push every sync out of the ten kept (Argo CD
    // records none), and each status write and watch event would carry all ten.
    const moves = (h: SyncRecord | undefined) => h?.message === INPUTS_UNCHANGED;
    const kept = prev && !(moves(prev) && moves(record)) ? [prev, ...older] : older;
    status.history = [record, ...kept].slice(0, HISTORY_LIMIT);
  }
}

/** A chart failure says which chart; its class (auth, missing version, network) is kept. */
function chartError(err: unknown, what: string): Error {
  if (err instanceof WaitingError) return err;
  const failure = classify(err, 'ChartPullFailed');
  const options = {
    cause: err,
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  };
  const message = `${what}: ${failure.message}`;
  return failure.errorClass === 'stalling'
    ? new StallingError(failure.reason, message, options)
    : new TransientError(failure.reason, message, options);
}

function classifySyncError(err: unknown, revision: string): Error {
  if (err instanceof WaitingError || err instanceof StallingError || err instanceof TransientError)
    return err;
  const msg = (err as Error).message;
  if (err instanceof SyncOperationFailed) {
    return new StallingError(err.reason, `revision ${revision}: ${msg}`, { cause: err });
  }
  if (
    err instanceof RenderError ||
    err instanceof ManifestError ||
    err instanceof PathEscapeError ||
    err instanceof HelmRenderError
  ) {
    return new StallingError('BuildFailed', `revision ${revision}: ${msg}`, { cause: err });
  }
  if (err instanceof SyncError) {
    return err.invalid
      ? new StallingError('ValidationFailed', `revision ${revision}: ${msg}`, { cause: err })
      : new TransientError('ApplyFailed', `revision ${revision}: ${msg}`, { cause: err });
  }
  return classify(err, 'ReconciliationFailed');
}
