import {
  type Application,
  type ApplicationStatus,
  applicationResource,
  CONDITION_HEALTHY,
  type SyncRecord,
} from '../api/application.ts';
import type { GitRepository } from '../api/git-repository.ts';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../api/meta.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { apiTime } from '../runtime/api-time.ts';
import { markFailed, markReady, READY, setCondition } from '../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import { jitter, parseDuration } from '../runtime/duration.ts';
import { classify, StallingError, TransientError, WaitingError } from '../runtime/errors.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { patchStatus } from '../runtime/status.ts';
import type { GitSource } from '../sources/git-source.ts';
import type { PushTracker } from '../webhooks/push-tracker.ts';
import type { AppMetrics } from './app-metrics.ts';
import type { AppState, DriftReport } from './app-state.ts';
import { ManifestError } from './manifest.ts';
import { health as appHealth, appTarget, sync, syncTarget } from './pipeline.ts';
import { RenderError } from './render.ts';
import type { RestMapper } from './rest-mapper.ts';
import { PathEscapeError } from './safe-path.ts';
import { SyncError, type Syncer } from './sync.ts';

const HISTORY_LIMIT = 10;
const WAIT_POLL_MS = 5_000;

export interface ApplicationDeps {
  api: ObjectApi;
  mapper: RestMapper;
  state: AppState;
  source: GitSource;
  repositories: Informer<GitRepository>;
  applications: Informer<Application>;
  events: EventRecorder;
  metrics: AppMetrics;
  pushes: PushTracker;
  kustomize: string;
  defaultServiceAccount: string | undefined;
}

/**
 * Application: render the source revision, validate it all by server-side dry-run, apply
 * in order, prune what left git, then watch what was applied: drift is re-applied and
 * health follows the live objects. Status is patched once per reconcile.
 */
export class ApplicationReconciler implements Reconciler<Application> {
  readonly kind = 'Application';
  private readonly d: ApplicationDeps;

  constructor(deps: ApplicationDeps) {
    this.d = deps;
  }

  forget(key: string): void {
    this.d.state.forget(key);
    const old = this.published.get(key);
    if (old) this.d.metrics.state.remove(old);
    this.published.delete(key);
  }

  async reconcile(app: Application, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (app.metadata.deletionTimestamp) return {};
    const key = `${app.metadata.namespace}/${app.metadata.name}`;
    const status: ApplicationStatus = structuredClone(app.status ?? {});
    const generation = app.metadata.generation;
    const requested = app.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
    const forced = requested !== undefined && requested !== status.lastHandledReconcileAt;
    if (requested) status.lastHandledReconcileAt = requested;
    if (app.spec.suspend) {
      ctx.observe(await patchStatus(this.d.api, applicationResource, app, status));
      return {};
    }
    const intervalMs = parseDuration(app.spec.interval);
    const retryMs = app.spec.retryInterval ? parseDuration(app.spec.retryInterval) : intervalMs;
    let requeueMs = jitter(intervalMs);
    let failure: ReturnType<typeof classify> | undefined;
    try {
      this.checkDependencies(app, retryMs);
      const repo = this.sourceOf(app, retryMs);
      const revision = repo.status?.artifact?.revision as string;
      const previousRevision = status.lastAppliedRevision;
      const newSpec = status.observedGeneration !== generation;
      const full = forced || newSpec || previousRevision !== revision || !this.d.state.has(key, revision);
      const started = new Date();
      let report: DriftReport | undefined;
      if (full) {
        status.lastAttemptedRevision = revision;
        report = await this.fullSync(app, repo, revision, status, ctx, !forced && !newSpec);
        this.recordHistory(status, { revision, started, result: 'Succeeded', report });
        if (previousRevision !== revision) {
          const latency = this.d.pushes.applied(`${repo.metadata.namespace}/${repo.metadata.name}`);
          if (latency !== undefined) this.d.metrics.pushToApplied.observe(latency);
        }
      } else {
        report = await this.d.state.correctDrift(key, this.syncer(app));
        if (report.changed > 0) {
          this.recordHistory(status, { revision, started, result: 'Succeeded', report, drift: true });
          void this.d.events.record(
            app,
            'Normal',
            'DriftCorrected',
            `re-applied ${report.changedIds.join(', ')}`,
          );
          ctx.log.info({ objects: report.changedIds }, 'drift corrected');
        }
      }
      status.lastAppliedRevision = revision;
      status.syncStatus = 'Synced';
      status.observedGeneration = generation;
      const health = appHealth(this.d.state, key);
      // Healthy at first sight is no news beside the Synced event (one Event less per new
      // Application); any later change, or a first Degraded, is.
      if (health.status !== status.health && (status.health !== undefined || health.status !== 'Healthy')) {
        const type = health.status === 'Degraded' ? 'Warning' : 'Normal';
        void this.d.events.record(app, type, `Health${health.status}`, health.message);
      }
      status.health = health.status;
      status.conditions = setCondition(status.conditions, {
        type: CONDITION_HEALTHY,
        status: health.status === 'Healthy' ? 'True' : health.status === 'Degraded' ? 'False' : 'Unknown',
        reason: health.status,
        message: health.message,
        observedGeneration: generation,
      });
      if (app.spec.wait && health.status !== 'Healthy') {
        status.conditions = this.waitConditions(app, status, health.message, revision);
        requeueMs = Math.min(requeueMs, WAIT_POLL_MS);
      } else {
        status.conditions = markReady(
          status.conditions,
          generation,
          'ReconciliationSucceeded',
          `applied revision: ${revision}`,
        );
      }
    } catch (err) {
      failure = classify(err, 'ReconciliationFailed');
      // Stalled and waiting failures are returned, not thrown, so the runtime does not log them.
      if (failure.errorClass === 'stalling')
        ctx.log.error({ reason: failure.reason, err: failure.message }, 'reconcile stalled');
      else if (failure.errorClass === 'waiting')
        ctx.log.info({ reason: failure.reason, detail: failure.message }, 'waiting');
      if (failure.errorClass !== 'waiting') {
        status.syncStatus = 'OutOfSync';
        if (status.lastAttemptedRevision && status.lastAttemptedRevision !== status.lastAppliedRevision) {
          this.recordHistory(status, {
            revision: status.lastAttemptedRevision,
            started: new Date(),
            result: 'Failed',
            message: failure.message,
          });
        }
      }
      status.conditions = markFailed(status.conditions, generation, failure, failure.message);
      if (app.status?.conditions?.find((c) => c.type === READY)?.message !== failure.message) {
        void this.d.events.record(
          app,
          failure.errorClass === 'waiting' ? 'Normal' : 'Warning',
          failure.reason,
          failure.message,
        );
      }
      if (failure.errorClass === 'stalling') status.observedGeneration = generation;
    }
    this.publishState(key, app, status);
    ctx.log.debug({ stage: 'status', revision: status.lastAppliedRevision }, 'sync stage');
    ctx.observe(await patchStatus(this.d.api, applicationResource, app, status));
    if (failure) {
      if (failure.errorClass === 'transient') throw failure;
      // Stalled and waiting objects are retried at retryInterval: the fix may come from git.
      return { requeueAfterMs: failure.retryAfterMs ?? retryMs };
    }
    return { requeueAfterMs: requeueMs };
  }

  private async fullSync(
    app: Application,
    repo: GitRepository,
    revision: string,
    status: ApplicationStatus,
    ctx: ReconcileContext,
    skipUnchanged: boolean,
  ): Promise<DriftReport> {
    const end = this.d.metrics.syncDuration.startTimer();
    const onStage = (stage: string, detail?: Record<string, unknown>) =>
      ctx.log.debug({ stage, revision, ...detail }, 'sync stage');
    try {
      onStage('artifact');
      const files = await this.d.source.artifactFiles(repo);
      if (!files) throw new WaitingError('ArtifactNotReady', 'source has no artifact yet', 5_000);
      const report = await sync(
        this.d.state,
        `${app.metadata.namespace}/${app.metadata.name}`,
        {
          dir: files.dir,
          path: app.spec.path ?? '.',
          revision,
          ...appTarget(app),
          prune: app.spec.prune,
          previous: status.inventory?.entries ?? [],
          kustomize: this.d.kustomize,
          onStage,
          skipUnchanged,
        },
        this.syncer(app),
      );
      status.inventory = { entries: report.inventory };
      end({ result: 'success' });
      this.d.metrics.syncs.inc({ result: 'success' });
      this.d.metrics.applied.inc(report.changed);
      this.d.metrics.pruned.inc(report.prunedIds.length);
      ctx.log.info({ revision, changed: report.changed, pruned: report.prunedIds.length }, 'synced');
      // A revision that changed none of this Application's objects (another path of a
      // shared repository) is in status and history; an Event for each of a thousand
      // Applications on every push would bury the ones that say something.
      if (report.changed > 0 || report.prunedIds.length > 0 || !status.lastAppliedRevision) {
        void this.d.events.record(
          app,
          'Normal',
          'Synced',
          `applied revision ${revision}: ${report.changed} changed, ${report.prunedIds.length} pruned, ${report.inventory.length} total`,
        );
      }
      return report;
    } catch (err) {
      end({ result: 'failure' });
      this.d.metrics.syncs.inc({ result: 'failure' });
      throw classifySyncError(err, revision);
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
    if (old && (old.sync !== labels.sync || old.health !== labels.health)) this.d.metrics.state.remove(old);
    this.d.metrics.state.set(labels, 1);
    this.published.set(key, labels);
  }

  private syncer(app: Application): Syncer {
    return syncTarget({
      api: this.d.api,
      mapper: this.d.mapper,
      app,
      defaultServiceAccount: this.d.defaultServiceAccount,
      liveService: (o) => this.d.state.liveService(o),
    });
  }

  private sourceOf(app: Application, retryMs: number): GitRepository {
    const ns = app.spec.sourceRef.namespace ?? app.metadata.namespace;
    const repo = this.d.repositories.get(`${ns}/${app.spec.sourceRef.name}`);
    if (!repo)
      throw new WaitingError(
        'SourceNotFound',
        `GitRepository ${ns}/${app.spec.sourceRef.name} not found`,
        retryMs,
      );
    if (!repo.status?.artifact?.revision) {
      throw new WaitingError(
        'SourceNotReady',
        `GitRepository ${ns}/${app.spec.sourceRef.name} has no artifact yet`,
        retryMs,
      );
    }
    return repo;
  }

  private checkDependencies(app: Application, retryMs: number): void {
    for (const dep of app.spec.dependsOn ?? []) {
      const ns = dep.namespace ?? app.metadata.namespace;
      const other = this.d.applications.get(`${ns}/${dep.name}`);
      const ready = other?.status?.conditions?.find((c) => c.type === READY);
      const current = other && other.status?.observedGeneration === other.metadata.generation;
      if (!other || ready?.status !== 'True' || !current) {
        throw new WaitingError(
          'DependencyNotReady',
          `dependency ${ns}/${dep.name} is not ready`,
          Math.min(retryMs, 5_000),
        );
      }
    }
  }

  private waitConditions(app: Application, status: ApplicationStatus, message: string, revision: string) {
    const timeoutMs = parseDuration(app.spec.timeout ?? app.spec.interval);
    const last = status.history?.[0];
    const since = last ? Date.parse(last.time) : Date.now();
    const expired = Date.now() - since > timeoutMs;
    const reason = expired ? 'HealthCheckFailed' : 'Progressing';
    const text = `${expired ? 'health check timed out' : 'waiting for health'} after applying ${revision}: ${message}`;
    return markFailed(
      status.conditions,
      app.metadata.generation,
      { reason, errorClass: expired ? 'stalling' : 'transient' },
      text,
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
      time: apiTime(),
      result: r.result,
      ...(r.report ? { objectsChanged: r.report.changed, objectsPruned: r.report.prunedIds.length } : {}),
      ...(r.message ? { message: r.message.slice(0, 1024) } : r.drift ? { message: 'drift corrected' } : {}),
    };
    const prev = status.history?.[0];
    // A failure repeated on every retry is one entry, not ten.
    if (prev && r.result === 'Failed' && prev.result === 'Failed' && prev.revision === r.revision) return;
    status.history = [record, ...(status.history ?? [])].slice(0, HISTORY_LIMIT);
  }
}

function classifySyncError(err: unknown, revision: string): Error {
  if (err instanceof WaitingError || err instanceof StallingError || err instanceof TransientError)
    return err;
  const msg = (err as Error).message;
  if (err instanceof RenderError || err instanceof ManifestError || err instanceof PathEscapeError) {
    return new StallingError('BuildFailed', `revision ${revision}: ${msg}`, { cause: err });
  }
  if (err instanceof SyncError) {
    return err.invalid
      ? new StallingError('ValidationFailed', `revision ${revision}: ${msg}`, { cause: err })
      : new TransientError('ApplyFailed', `revision ${revision}: ${msg}`, { cause: err });
  }
  return classify(err, 'ReconciliationFailed');
}
