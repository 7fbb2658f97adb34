import {
  type HelmRepository,
  type HelmRepositoryStatus,
  helmRepositoryResource,
} from '../../api/helm-repository.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import type { Logger } from '../../observability/logger.ts';
import { apiTime } from '../../runtime/api-time.ts';
import { jitter, parseDuration } from '../../runtime/duration.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../../runtime/reconcile.ts';
import type { ReconcileError } from '../../runtime/reconcile-errors.ts';
import { sourceFailed, sourceReady } from '../source-status.ts';
import type { HelmCharts } from './helm-charts.ts';

export interface HelmRepositoryReconcilerDeps {
  api: ObjectApi;
  charts: Pick<HelmCharts, 'check'>;
  events: Pick<EventRecorder, 'record'>;
  /** The clock; tests move it. */
  now?: () => Date;
}

type HelmRepositoryPass = ReconcilePass<HelmRepository, HelmRepositoryStatus>;

/**
 * HelmRepository: fetch index.yaml and record its digest as the revision (a new one wakes
 * the Applications using the repository), or, for an OCI registry, check that it answers
 * and takes the credentials. A failure keeps the last index in status and in use.
 */
export class HelmRepositoryReconciler extends SkeletonReconciler<
  HelmRepository,
  HelmRepositoryStatus,
  HelmRepositoryPass
> {
  readonly kind = 'HelmRepository';
  private readonly charts: Pick<HelmCharts, 'check'>;
  private readonly events: Pick<EventRecorder, 'record'>;

  constructor(deps: HelmRepositoryReconcilerDeps) {
    super({
      api: deps.api,
      resource: helmRepositoryResource,
      recordReconcileRequests: true,
      failureReason: 'IndexationFailed',
      now: deps.now,
    });
    this.charts = deps.charts;
    this.events = deps.events;
  }

  protected steps(): readonly Step<HelmRepositoryPass>[] {
    return [(pass) => this.fetchIndex(pass)];
  }

  protected begin(repo: HelmRepository, log: Logger, now: Date): HelmRepositoryPass {
    return new ReconcilePass(repo, log, now);
  }

  protected override suspended(repo: HelmRepository): boolean {
    return repo.spec.suspend === true;
  }

  private async fetchIndex(pass: HelmRepositoryPass): Promise<void> {
    const { object: repo, status } = pass;
    pass.log.debug({ url: repo.spec.url }, 'checking repository');
    const found = await this.charts.check(repo);
    status.url = found.url;
    if (found.revision === undefined) {
      delete status.artifact;
      sourceReady(pass, `registry ${repo.spec.url} is reachable`);
    } else {
      const previous = status.artifact?.revision;
      if (previous !== found.revision) {
        status.artifact = {
          revision: found.revision,
          digest: found.revision,
          lastUpdateTime: apiTime(pass.now),
          url: found.url,
          ...(found.size !== undefined ? { size: found.size } : {}),
        };
        pass.log.info({ revision: found.revision, previous }, 'new index');
        this.events.record(repo, 'Normal', 'NewArtifact', `stored index with revision '${found.revision}'`);
      }
      sourceReady(pass, `stored index with revision '${found.revision}'`);
    }
    pass.requeue(jitter(parseDuration(repo.spec.interval)));
  }

  protected failed(pass: HelmRepositoryPass, failure: ReconcileError): ReconcileError {
    return sourceFailed(pass, failure, this.events);
  }
}
