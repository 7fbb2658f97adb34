import {
  type GitRepository,
  type GitRepositoryStatus,
  gitRepositoryResource,
} from '../api/git-repository.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { Logger } from '../observability/logger.ts';
import type { SourceMetrics } from '../observability/source-metrics.ts';
import { apiTime } from '../runtime/api-time.ts';
import { jitter, parseDuration } from '../runtime/duration.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { FINALIZER } from '../runtime/finalizers.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import type { ReconcileError } from '../runtime/reconcile-errors.ts';
import { shaOfRevision } from './git/ref.ts';
import type { GitSource } from './git-source.ts';
import { sourceFailed, sourceReady } from './source-status.ts';

export interface GitRepositoryReconcilerDeps {
  api: ObjectApi;
  source: GitSource;
  events: Pick<EventRecorder, 'record'>;
  metrics: SourceMetrics;
  /** Every GitRepository: a deleted one's cache stays while another reads the same URL or commit. */
  repositories: Pick<Informer<GitRepository>, 'list'>;
  /** The clock; tests move it. */
  now?: () => Date;
}

type GitRepositoryPass = ReconcilePass<GitRepository, GitRepositoryStatus>;

/**
 * GitRepository: resolve the ref on the remote (ls-remote, cheap), fetch only when the
 * commit changed, record the artifact revision. A failure keeps the last artifact in
 * status, so Applications go on using the last good revision.
 */
export class GitRepositoryReconciler extends SkeletonReconciler<
  GitRepository,
  GitRepositoryStatus,
  GitRepositoryPass
> {
  readonly kind = 'GitRepository';
  private readonly source: GitSource;
  private readonly events: Pick<EventRecorder, 'record'>;
  private readonly metrics: SourceMetrics;
  private readonly repositories: Pick<Informer<GitRepository>, 'list'>;

  constructor(deps: GitRepositoryReconcilerDeps) {
    super({
      api: deps.api,
      resource: gitRepositoryResource,
      recordReconcileRequests: true,
      failureReason: 'GitOperationFailed',
      finalizer: FINALIZER,
      now: deps.now,
    });
    this.repositories = deps.repositories;
    this.source = deps.source;
    this.events = deps.events;
    this.metrics = deps.metrics;
  }

  protected steps(): readonly Step<GitRepositoryPass>[] {
    return [(pass) => this.fetchArtifact(pass)];
  }

  protected begin(repo: GitRepository, log: Logger, now: Date): GitRepositoryPass {
    return new ReconcilePass(repo, log, now);
  }

  protected override suspended(repo: GitRepository): boolean {
    return repo.spec.suspend === true;
  }

  /**
   * A deleted GitRepository takes its cache with it: the bare repository of its URL and its
   * artifact, unless another GitRepository not being deleted still reads that URL or commit.
   */
  protected override async finalize(pass: GitRepositoryPass): Promise<boolean> {
    const repo = pass.object;
    const others = this.repositories
      .list()
      .filter((r) => r.metadata.uid !== repo.metadata.uid && !r.metadata.deletionTimestamp);
    const sha = shaOfRevision(repo.status?.artifact?.revision);
    const shared = others.some((r) => r.spec.url === repo.spec.url);
    const shas = sha && !others.some((r) => shaOfRevision(r.status?.artifact?.revision) === sha) ? [sha] : [];
    await this.source.cache.remove(shared ? undefined : repo.spec.url, shas);
    const what = shared
      ? `kept the clone of ${repo.spec.url}: another GitRepository reads it`
      : `removed the clone of ${repo.spec.url}`;
    pass.log.info({ url: repo.spec.url, artifacts: shas }, 'cache removed');
    this.events.record(repo, 'Normal', 'CacheRemoved', `${what}; ${shas.length} artifact(s) removed`);
    return true;
  }

  private async fetchArtifact(pass: GitRepositoryPass): Promise<void> {
    const { object: repo, status } = pass;
    const end = this.metrics.fetchDuration.startTimer();
    pass.log.debug({ url: repo.spec.url }, 'fetching');
    let revision: string;
    try {
      revision = (await this.source.fetchLatest(repo)).revision;
    } catch (err) {
      end({ result: 'failure' });
      throw err;
    }
    end({ result: 'success' });
    const previous = status.artifact?.revision;
    if (previous !== revision) {
      status.artifact = { revision, lastUpdateTime: apiTime(pass.now) };
      // Computed here once, before any Application asks (they share it through GitSource).
      const changed = previous ? await this.source.changedFiles(repo, previous, revision) : undefined;
      pass.log.info({ revision, previous, changedFiles: changed?.length }, 'new artifact');
      this.events.record(repo, 'Normal', 'NewArtifact', `stored artifact for revision '${revision}'`);
    }
    sourceReady(pass, `stored artifact for revision '${revision}'`);
    pass.requeue(jitter(parseDuration(repo.spec.interval)));
  }

  protected failed(pass: GitRepositoryPass, failure: ReconcileError): ReconcileError {
    this.metrics.fetchFailures.inc({ reason: failure.reason });
    return sourceFailed(pass, failure, this.events);
  }
}
