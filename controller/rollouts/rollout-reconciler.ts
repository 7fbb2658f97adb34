// The Rollout reconciler: read the world from the caches, decide, act, and patch status once.
//
// RBAC this controller needs (for least-privilege packaging):
//   sluice.dev                 rollouts                                      get list watch
//   sluice.dev                 rollouts/status                               patch
//   sluice.dev                 analysisruns                                  get list watch create patch delete
//   sluice.dev                 analysistemplates, clusteranalysistemplates   get
//   apps                       replicasets                                   get list watch create patch delete
//   apps                       deployments (workloadRef)                     get list watch patch
//   ""                         services                                      get list watch patch
//   events.k8s.io              events                                        create patch
//   gateway.networking.k8s.io  httproutes                                    get patch
//   networking.istio.io        virtualservices                               get patch
//   split.smi-spec.io          trafficsplits (server-side apply)             get create patch
//   networking.k8s.io          ingresses (server-side apply of the canary)   get create patch

import type { AnalysisRun } from '../api/analysis.ts';
import type { Rollout } from '../api/rollout.ts';
import { rolloutResource } from '../api/rollout.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { parseKey } from '../kube/resources.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import { classify, StallingError, TransientError, WaitingError } from '../runtime/errors.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { createMergePatch } from '../runtime/merge-patch.ts';
import { syncBlueGreen } from './blue-green/blue-green.ts';
import { syncCanary } from './canary/canary.ts';
import { buildContext } from './context.ts';
import type { RolloutMetrics } from './metrics.ts';
import type { ReplicaSet } from './replica-sets.ts';
import type { Service } from './services.ts';
import { checkProgressDeadline, finalizeStatus, stalledStatus } from './status/finalize.ts';
import { RolloutSync } from './sync.ts';
import { TrafficRouterError } from './traffic/router.ts';
import { validateRollout } from './validate.ts';
import { type Deployment, reconcileWorkload, withWorkload } from './workload-ref.ts';

export interface RolloutReconcilerDeps {
  api: ObjectApi;
  events: EventRecorder;
  rollouts: Informer<Rollout>;
  replicaSets: Informer<ReplicaSet>;
  analysisRuns: Informer<AnalysisRun>;
  services: Informer<Service>;
  /** Deployments, for spec.workloadRef. */
  deployments?: Informer<Deployment>;
  metrics?: RolloutMetrics;
  /** For tests of timing; defaults to the clock. */
  now?: () => Date;
}

const CACHE_WAIT_MS = 500;
/** A workloadRef Deployment may be applied after the Rollout: look again soon. */
const WORKLOAD_RETRY_MS = 10_000;

export class RolloutReconciler implements Reconciler<Rollout> {
  readonly kind = 'Rollout';
  private readonly deps: RolloutReconcilerDeps;

  constructor(deps: RolloutReconcilerDeps) {
    this.deps = deps;
  }

  forget(key: string): void {
    const { namespace, name } = parseKey(key);
    this.deps.metrics?.forget(namespace ?? '', name);
  }

  async reconcile(ro: Rollout, rc: ReconcileContext): Promise<ReconcileResult> {
    if (ro.metadata.deletionTimestamp) return {};
    const { replicaSets, analysisRuns, services } = this.deps;
    if (!replicaSets.hasSynced || !analysisRuns.hasSynced || !services.hasSynced) {
      throw new WaitingError(
        'CachesNotSynced',
        'waiting for the ReplicaSet, AnalysisRun and Service caches',
        CACHE_WAIT_MS,
      );
    }
    const now = this.deps.now?.() ?? new Date();
    let s: RolloutSync | undefined;
    try {
      const deployment = ro.spec.workloadRef ? this.workload(ro) : undefined;
      // With workloadRef, everything below sees the Deployment's template and selector.
      const target = deployment ? withWorkload(ro, deployment) : ro;
      validateRollout(target);
      const ctx = buildContext(
        target,
        replicaSets.ownedBy(ro.metadata.uid),
        analysisRuns.ownedBy(ro.metadata.uid),
      );
      rc.log.debug(
        { rv: ro.metadata.resourceVersion, replicaSets: ctx.allRSs.map(describeRS) },
        'reconciling',
      );
      s = new RolloutSync(target, ctx, {
        api: this.deps.api,
        log: rc.log,
        now,
        service: (ns, name) => services.get(`${ns}/${name}`),
        // Our writes go into the caches at once, so the next reconcile never decides on older copies.
        observeReplicaSet: (rs) => replicaSets.observe(rs),
        observeRun: (run) => analysisRuns.observe(run),
      });
      const timedOut = checkProgressDeadline(s);
      if (ro.spec.strategy.blueGreen) await syncBlueGreen(s);
      else await syncCanary(s);
      finalizeStatus(s, timedOut);
      if (deployment) await reconcileWorkload(s, deployment);
    } catch (thrown) {
      const err =
        thrown instanceof TrafficRouterError
          ? new StallingError(thrown.reason, thrown.message, { cause: thrown, retryAfterMs: 15_000 })
          : classify(thrown);
      if (err.errorClass === 'stalling') {
        await this.writeStatus(ro, stalledStatus({ ro, now }, err.reason, err.message), rc);
        this.deps.events.record(ro, 'Warning', err.reason, err.message);
      }
      throw err;
    }
    await this.writeStatus(ro, s.status, rc);
    this.deps.metrics?.observe(ro, s.status);
    if (s.events.some((e) => e.reason === 'RolloutAborted')) {
      this.deps.metrics?.aborts.inc({ namespace: ro.metadata.namespace ?? '', name: ro.metadata.name });
    }
    for (const e of s.events) this.deps.events.record(ro, e.type, e.reason, e.message);
    if (s.events.length > 0)
      rc.log.info({ events: s.events.map((e) => `${e.reason}: ${e.message}`) }, 'rollout changed');
    return s.requeueAfterMs === undefined ? {} : { requeueAfterMs: s.requeueAfterMs };
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

  /** One merge patch of status, guarded by resourceVersion so a concurrent promote or abort is never lost. */
  private async writeStatus(ro: Rollout, status: Rollout['status'], rc: ReconcileContext): Promise<void> {
    const patch = createMergePatch(ro.status ?? {}, status ?? {});
    if (patch === undefined) return;
    try {
      const updated = await this.deps.api.mergePatch<Rollout>(
        rolloutResource,
        ro.metadata.namespace,
        ro.metadata.name,
        { metadata: { resourceVersion: ro.metadata.resourceVersion }, status: patch },
        'status',
      );
      rc.observe(updated);
      rc.log.debug({ patch }, 'status patched');
    } catch (err) {
      const e = classify(err, 'StatusPatchFailed');
      throw e.errorClass === 'stalling'
        ? e
        : new TransientError('StatusPatchFailed', e.message, { cause: err });
    }
  }
}

function describeRS(rs: ReplicaSet): string {
  return `${rs.metadata.name}:${rs.spec.replicas ?? 1}/${rs.status?.replicas ?? 0}/${rs.status?.availableReplicas ?? 0}`;
}
