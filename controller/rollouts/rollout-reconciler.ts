// The Rollout reconciler: read the world from the caches, decide, act, and patch status once.
//
// RBAC this controller needs (for least-privilege packaging):
//   sluice.dev                 rollouts                                      get list watch
//   sluice.dev                 rollouts/status                               patch
//   sluice.dev                 analysisruns                                  get list watch create patch delete
//   sluice.dev                 experiments                                   get list watch create patch delete
//   sluice.dev                 analysistemplates, clusteranalysistemplates   get
//   apps                       replicasets                                   get list watch create patch delete
//   ""                         pods (restartAt, ephemeral metadata)          list patch
//   ""                         pods/eviction (spec.restartAt)                create
//   apps                       deployments (workloadRef)                     get list watch patch
//   ""                         services                                      get list watch patch
//   events.k8s.io              events                                        create patch
//   gateway.networking.k8s.io  httproutes                                    get patch
//   networking.istio.io        virtualservices, destinationrules             get patch
//   split.smi-spec.io          trafficsplits (server-side apply)             get create patch
//   networking.k8s.io          ingresses (server-side apply of the canary;   get create patch
//                              ALB's action annotation, merge patch)
//   traefik.io, traefik.containo.us  traefikservices                         get patch
//   apisix.apache.org          apisixroutes                                  get patch
//   getambassador.io           mappings (the canary copy, SSA; deleted at 0) get create patch delete

import type { AnalysisRun } from '../api/analysis.ts';
import type { Experiment } from '../api/experiment.ts';
import type { Rollout, RolloutStatus } from '../api/rollout.ts';
import { rolloutResource } from '../api/rollout.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { parseKey } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { rolloutSpans } from '../observability/tracing/commit-spans.ts';
import { type CommitTracer, NO_TRACER } from '../observability/tracing/commit-tracer.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import { classify, type ReconcileError, StallingError, WaitingError } from '../runtime/reconcile-errors.ts';
import { syncBlueGreen } from './blue-green/blue-green.ts';
import { syncCanary } from './canary/canary.ts';
import { buildContext } from './context.ts';
import type { RolloutMetrics } from './metrics.ts';
import { syncPodExtras } from './pod-extras/sync-pod-extras.ts';
import type { ReplicaSet } from './replica-sets.ts';
import { restartPods } from './restart/restart-pods.ts';
import { RolloutSync } from './rollout-sync.ts';
import { rolloutTrace } from './rollout-trace.ts';
import type { Service } from './services.ts';
import { checkProgressDeadline, finalizeStatus, stalledStatus } from './status/finalize.ts';
import { TrafficRouterError } from './traffic/router.ts';
import { validateRollout } from './validate.ts';
import { type Deployment, reconcileWorkload, withWorkload } from './workload-ref.ts';

export interface RolloutReconcilerDeps {
  api: ObjectApi;
  events: Pick<EventRecorder, 'record'>;
  rollouts: Informer<Rollout>;
  replicaSets: Informer<ReplicaSet>;
  analysisRuns: Informer<AnalysisRun>;
  services: Informer<Service>;
  /** Experiments, for canary experiment steps. */
  experiments?: Informer<Experiment>;
  /** Deployments, for spec.workloadRef. */
  deployments?: Informer<Deployment>;
  metrics?: RolloutMetrics;
  /** The traces of commits: each step completed, and the update's verdict. */
  tracer?: CommitTracer | undefined;
  /** For tests of timing; defaults to the clock. */
  now?: () => Date;
}

const CACHE_WAIT_MS = 500;
/** A workloadRef Deployment may be applied after the Rollout: look again soon. */
const WORKLOAD_RETRY_MS = 10_000;

/** One reconcile of a Rollout; `sync` holds the decisions once the world has been read. */
class RolloutPass extends ReconcilePass<Rollout, RolloutStatus> {
  sync: RolloutSync | undefined;
  /** The Deployment spec.workloadRef names, if any. */
  deployment: Deployment | undefined;
}

export class RolloutReconciler extends SkeletonReconciler<Rollout, RolloutStatus, RolloutPass> {
  readonly kind = 'Rollout';
  private readonly deps: RolloutReconcilerDeps;

  constructor(deps: RolloutReconcilerDeps) {
    // The resourceVersion guard: a person's promote or abort written meanwhile is never lost.
    super({
      api: deps.api,
      resource: rolloutResource,
      guardResourceVersion: true,
      failureReason: 'ReconcileFailed',
      now: deps.now,
    });
    this.deps = deps;
  }

  forget(key: string): void {
    const { namespace, name } = parseKey(key);
    this.deps.metrics?.forget(namespace ?? '', name);
  }

  protected steps(): readonly Step<RolloutPass>[] {
    return [
      (pass) => this.waitForCaches(pass),
      (pass) => this.readWorld(pass),
      (pass) => this.runStrategy(pass),
      (pass) => syncPodExtras(pass.sync as RolloutSync),
      (pass) => restartPods(pass.sync as RolloutSync, this.deps.api),
      (pass) => this.syncWorkload(pass),
    ];
  }

  protected begin(ro: Rollout, log: Logger, now: Date): RolloutPass {
    return new RolloutPass(ro, log, now);
  }

  private waitForCaches(_pass: RolloutPass): void {
    const { replicaSets, analysisRuns, services, experiments } = this.deps;
    if (
      !replicaSets.hasSynced ||
      !analysisRuns.hasSynced ||
      !services.hasSynced ||
      experiments?.hasSynced === false
    ) {
      throw new WaitingError(
        'CachesNotSynced',
        'waiting for the ReplicaSet, AnalysisRun and Service caches',
        CACHE_WAIT_MS,
      );
    }
  }

  /** Gathers what the Rollout owns and points at from the caches, once. */
  private readWorld(pass: RolloutPass): void {
    const ro = pass.object;
    const { replicaSets, analysisRuns, services } = this.deps;
    pass.deployment = ro.spec.workloadRef ? this.workload(ro) : undefined;
    // With workloadRef, everything below sees the Deployment's template and selector.
    const target = pass.deployment ? withWorkload(ro, pass.deployment) : ro;
    validateRollout(target);
    const owned = buildContext(
      target,
      replicaSets.ownedBy(ro.metadata.uid),
      analysisRuns.ownedBy(ro.metadata.uid),
      this.deps.experiments?.ownedBy(ro.metadata.uid) ?? [],
    );
    pass.log.debug(
      { rv: ro.metadata.resourceVersion, replicaSets: owned.allRSs.map(describeRS) },
      'reconciling',
    );
    pass.sync = new RolloutSync(target, owned, {
      api: this.deps.api,
      log: pass.log,
      now: pass.now,
      service: (ns, name) => services.get(`${ns}/${name}`),
      // Our writes go into the caches at once, so the next reconcile never decides on older copies.
      observeReplicaSet: (rs) => replicaSets.observe(rs),
      observeRun: (analysisRun) => analysisRuns.observe(analysisRun),
      observeExperiment: (experiment) => this.deps.experiments?.observe(experiment),
    });
    pass.status = pass.sync.status;
  }

  private async runStrategy(pass: RolloutPass): Promise<void> {
    const sync = pass.sync as RolloutSync;
    const timedOut = checkProgressDeadline(sync);
    if (pass.object.spec.strategy.blueGreen) await syncBlueGreen(sync);
    else await syncCanary(sync);
    finalizeStatus(sync, timedOut);
  }

  private async syncWorkload(pass: RolloutPass): Promise<void> {
    if (pass.deployment) await reconcileWorkload(pass.sync as RolloutSync, pass.deployment);
  }

  protected override classify(thrown: unknown): ReconcileError {
    return thrown instanceof TrafficRouterError
      ? new StallingError(thrown.reason, thrown.message, { cause: thrown, retryAfterMs: 15_000 })
      : classify(thrown);
  }

  /** A stalled Rollout says why in its conditions; any other failure writes nothing and is retried. */
  protected failed(pass: RolloutPass, failure: ReconcileError): ReconcileError {
    pass.status =
      failure.errorClass === 'stalling'
        ? stalledStatus(
            { ro: pass.object, now: pass.now, ctx: pass.sync?.ctx },
            failure.reason,
            failure.message,
          )
        : structuredClone(pass.object.status ?? {});
    return failure;
  }

  protected override summarise(pass: RolloutPass): void {
    pass.requeue(pass.sync?.requeueAfterMs);
  }

  protected override saved(pass: RolloutPass, failure: ReconcileError | undefined): void {
    const ro = pass.object;
    if (failure) {
      if (failure.errorClass === 'stalling')
        this.deps.events.record(ro, 'Warning', failure.reason, failure.message);
      return;
    }
    const sync = pass.sync as RolloutSync;
    this.deps.metrics?.observe(ro, sync.status);
    if (sync.events.some((e) => e.reason === 'RolloutAborted')) {
      this.deps.metrics?.aborts.inc({ namespace: ro.metadata.namespace ?? '', name: ro.metadata.name });
    }
    for (const e of sync.events) this.deps.events.record(ro, e.type, e.reason, e.message);
    const tracer = this.deps.tracer;
    if (tracer && tracer !== NO_TRACER && sync.events.length > 0)
      tracer.emit(rolloutSpans(rolloutTrace(ro, sync, this.clock())));
    if (sync.events.length > 0)
      pass.log.info({ events: sync.events.map((e) => `${e.reason}: ${e.message}`) }, 'rollout changed');
  }

  private workload(ro: Rollout): Deployment {
    const ref = ro.spec.workloadRef as NonNullable<Rollout['spec']['workloadRef']>;
    const key = `${ro.metadata.namespace}/${ref.name}`;
    const dep = this.deps.deployments?.get(key);
    if (!dep) {
      throw new StallingError(
        'WorkloadNotFound',
        `Deployment ${key} named in spec.workloadRef does not exist`,
        {
          retryAfterMs: WORKLOAD_RETRY_MS,
        },
      );
    }
    return dep;
  }
}

function describeRS(rs: ReplicaSet): string {
  return `${rs.metadata.name}:${rs.spec.replicas ?? 1}/${rs.status?.replicas ?? 0}/${rs.status?.availableReplicas ?? 0}`;
}
