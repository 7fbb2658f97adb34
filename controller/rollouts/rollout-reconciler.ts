// The Rollout reconciler: read the world from the caches, decide, act, and patch status once.
//
// RBAC this controller needs (for least-privilege packaging):
//   sluice.dev        rollouts                                  get list watch
//   sluice.dev        rollouts/status                           get patch
//   sluice.dev        analysisruns                              get list watch create patch delete
//   sluice.dev        analysistemplates, clusteranalysistemplates  get
//   apps              replicasets                               get list watch create patch delete
//   ""                services                                  get list watch patch
//   events.k8s.io     events                                    create patch
//   gateway.networking.k8s.io  httproutes                       get patch
//   networking.istio.io        virtualservices                  get patch
//   split.smi-spec.io          trafficsplits                    get create patch
//   networking.k8s.io          ingresses                        get create patch delete

import type { AnalysisRun } from '../api/analysis.ts';
import type { Rollout } from '../api/rollout.ts';
import { rolloutResource } from '../api/rollout.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { objectKey, parseKey } from '../kube/resources.ts';
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

export interface RolloutReconcilerDeps {
  api: ObjectApi;
  events: EventRecorder;
  rollouts: Informer<Rollout>;
  replicaSets: Informer<ReplicaSet>;
  analysisRuns: Informer<AnalysisRun>;
  services: Informer<Service>;
  metrics?: RolloutMetrics;
  /** For tests of timing; defaults to the clock. */
  now?: () => Date;
}

const CACHE_WAIT_MS = 500;

export class RolloutReconciler implements Reconciler<Rollout> {
  readonly kind = 'Rollout';
  private readonly deps: RolloutReconcilerDeps;
  /** resourceVersion before and after our last status write, per Rollout. */
  private readonly lastWrite = new Map<string, { from: string; to: string }>();

  constructor(deps: RolloutReconcilerDeps) {
    this.deps = deps;
  }

  forget(key: string): void {
    this.lastWrite.delete(key);
    const { namespace, name } = parseKey(key);
    this.deps.metrics?.forget(namespace ?? '', name);
  }

  async reconcile(ro: Rollout, rc: ReconcileContext): Promise<ReconcileResult> {
    const key = objectKey(ro);
    if (ro.metadata.deletionTimestamp) return {};
    const { replicaSets, analysisRuns, services } = this.deps;
    if (!replicaSets.hasSynced || !analysisRuns.hasSynced || !services.hasSynced) {
      throw new WaitingError(
        'CachesNotSynced',
        'waiting for the ReplicaSet, AnalysisRun and Service caches',
        CACHE_WAIT_MS,
      );
    }
    // Our own status write has not reached the cache yet: deciding on the older copy would
    // redo work. The watch event for the write enqueues the Rollout again.
    if (this.lastWrite.get(key)?.from === ro.metadata.resourceVersion)
      return { requeueAfterMs: CACHE_WAIT_MS * 2 };

    const now = this.deps.now?.() ?? new Date();
    const ctx = buildContext(ro, replicaSets.list(), analysisRuns.list());
    rc.log.debug(
      {
        rv: ro.metadata.resourceVersion,
        rs: ctx.allRSs.map(
          (rs) =>
            `${rs.metadata.name}:${rs.spec.replicas}/${rs.status?.replicas ?? 0}/${rs.status?.availableReplicas ?? 0}`,
        ),
      },
      'reconciling',
    );
    const s = new RolloutSync(ro, ctx, {
      api: this.deps.api,
      log: rc.log,
      now,
      service: (ns, name) => services.get(`${ns}/${name}`),
    });
    try {
      validateRollout(ro);
      const timedOut = checkProgressDeadline(s);
      if (ro.spec.strategy.blueGreen) await syncBlueGreen(s);
      else await syncCanary(s);
      finalizeStatus(s, timedOut);
    } catch (thrown) {
      const err =
        thrown instanceof TrafficRouterError
          ? new StallingError(thrown.reason, thrown.message, { cause: thrown, retryAfterMs: 15_000 })
          : classify(thrown);
      if (err.errorClass === 'stalling') {
        await this.writeStatus(ro, stalledStatus(s, err.reason, err.message), rc);
        await this.deps.events.record(ro, 'Warning', err.reason, err.message);
      }
      throw err;
    }
    await this.writeStatus(ro, s.status, rc);
    this.deps.metrics?.observe(ro, s.status);
    if (s.events.some((e) => e.reason === 'RolloutAborted')) {
      this.deps.metrics?.aborts.inc({ namespace: ro.metadata.namespace ?? '', name: ro.metadata.name });
    }
    for (const e of s.events) await this.deps.events.record(ro, e.type, e.reason, e.message);
    if (s.events.length > 0)
      rc.log.info({ events: s.events.map((e) => `${e.reason}: ${e.message}`) }, 'rollout changed');
    return s.requeueAfterMs === undefined ? {} : { requeueAfterMs: s.requeueAfterMs };
  }

  /** One merge patch of status, guarded by resourceVersion so a concurrent promote or abort is never lost. */
  private async writeStatus(ro: Rollout, status: Rollout['status'], rc: ReconcileContext): Promise<void> {
    const patch = createMergePatch(ro.status ?? {}, status ?? {});
    if (patch === undefined) return;
    const from = ro.metadata.resourceVersion ?? '';
    try {
      const updated = await this.deps.api.mergePatch<Rollout>(
        rolloutResource,
        ro.metadata.namespace,
        ro.metadata.name,
        { metadata: { resourceVersion: from }, status: patch },
        'status',
      );
      this.lastWrite.set(objectKey(ro), { from, to: updated.metadata.resourceVersion ?? '' });
      rc.log.debug({ patch }, 'status patched');
    } catch (err) {
      const e = classify(err, 'StatusPatchFailed');
      throw e.errorClass === 'stalling'
        ? e
        : new TransientError('StatusPatchFailed', e.message, { cause: err });
    }
  }
}
