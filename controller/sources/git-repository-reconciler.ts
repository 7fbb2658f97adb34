import {
  type GitRepository,
  type GitRepositoryStatus,
  gitRepositoryResource,
} from '../api/git-repository.ts';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../api/meta.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { SourceMetrics } from '../observability/source-metrics.ts';
import { apiTime } from '../runtime/api-time.ts';
import { markFailed, markReady, READY } from '../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import { jitter, parseDuration } from '../runtime/duration.ts';
import { classify, type ReconcileError } from '../runtime/errors.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { patchStatus } from '../runtime/status.ts';
import type { GitSource } from './git-source.ts';

/**
 * GitRepository: resolve the ref on the remote (ls-remote, cheap), fetch only when the
 * commit changed, record the artifact revision. A failure keeps the last artifact in
 * status, so Applications go on using the last good revision.
 */
export class GitRepositoryReconciler implements Reconciler<GitRepository> {
  readonly kind = 'GitRepository';
  private readonly api: ObjectApi;
  private readonly source: GitSource;
  private readonly events: EventRecorder;
  private readonly metrics: SourceMetrics;

  constructor(deps: { api: ObjectApi; source: GitSource; events: EventRecorder; metrics: SourceMetrics }) {
    this.api = deps.api;
    this.source = deps.source;
    this.events = deps.events;
    this.metrics = deps.metrics;
  }

  async reconcile(repo: GitRepository, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (repo.metadata.deletionTimestamp) return {};
    const status: GitRepositoryStatus = structuredClone(repo.status ?? {});
    const generation = repo.metadata.generation;
    const requested = repo.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
    if (requested) status.lastHandledReconcileAt = requested;
    if (repo.spec.suspend) {
      ctx.observe(await patchStatus(this.api, gitRepositoryResource, repo, status));
      return {};
    }
    const intervalMs = parseDuration(repo.spec.interval);
    let failure: ReconcileError | undefined;
    const end = this.metrics.fetchDuration.startTimer();
    try {
      ctx.log.debug({ url: repo.spec.url }, 'fetching');
      const fetched = await this.source.fetchLatest(repo);
      end({ result: 'success' });
      const previous = status.artifact?.revision;
      if (previous !== fetched.revision) {
        status.artifact = { revision: fetched.revision, lastUpdateTime: apiTime() };
        ctx.log.info({ revision: fetched.revision, previous }, 'new artifact');
        void this.events.record(
          repo,
          'Normal',
          'NewArtifact',
          `stored artifact for revision '${fetched.revision}'`,
        );
      }
      status.conditions = markReady(
        status.conditions,
        generation,
        'Succeeded',
        `stored artifact for revision '${fetched.revision}'`,
      );
      status.observedGeneration = generation;
    } catch (err) {
      end({ result: 'failure' });
      failure = classify(err, 'GitOperationFailed');
      // A stalling failure is returned with a requeue, not thrown: the runtime would not log it.
      if (failure.errorClass === 'stalling')
        ctx.log.error({ reason: failure.reason, err: failure.message }, 'reconcile stalled');
      this.metrics.fetchFailures.inc({ reason: failure.reason });
      // The last artifact stays in status: dependants keep the last good revision.
      const kept = status.artifact ? ` (still serving '${status.artifact.revision}')` : '';
      status.conditions = markFailed(status.conditions, generation, failure, `${failure.message}${kept}`);
      if (failure.errorClass === 'stalling') status.observedGeneration = generation;
      if (repo.status?.conditions?.find((c) => c.type === READY)?.message !== `${failure.message}${kept}`) {
        void this.events.record(repo, 'Warning', failure.reason, failure.message);
      }
    }
    ctx.observe(await patchStatus(this.api, gitRepositoryResource, repo, status));
    if (failure?.errorClass === 'stalling') {
      // A missing branch or a fixed Secret can come at any time: look again at the
      // interval, as for a healthy source, not only when the object changes.
      return { requeueAfterMs: Math.min(failure.retryAfterMs ?? intervalMs, intervalMs) };
    }
    if (failure) throw failure;
    return { requeueAfterMs: jitter(intervalMs) };
  }
}
