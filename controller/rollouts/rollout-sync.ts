// The state of one reconcile of a Rollout: the status being computed, the events to record
// once it is saved, when to look again, and the writes to the objects the Rollout owns.

import type { AnalysisRun } from '../api/analysis.ts';
import type { Experiment } from '../api/experiment.ts';
import type { Rollout, RolloutStatus } from '../api/rollout.ts';
import { isNotFound } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import type { EventType } from '../runtime/events.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';
import { minDefined } from './canary/scale-plan.ts';
import type { RolloutContext } from './context.ts';
import { PauseState } from './pause.ts';
import { hashOf, patchReplicaSet, type ReplicaSet } from './replica-sets.ts';
import { patchSelector, type Service, selectedHash } from './services.ts';

export interface PendingEvent {
  type: EventType;
  reason: string;
  message: string;
}

export interface SyncDeps {
  api: ObjectApi;
  log: Logger;
  now: Date;
  /** Services from the informer cache, by namespace/name. */
  service(namespace: string, name: string): Service | undefined;
  /** Puts what we wrote into the caches. */
  observeReplicaSet?: (rs: ReplicaSet) => void;
  observeRun?: (run: AnalysisRun) => void;
  observeExperiment?: (experiment: Experiment) => void;
}

/** Services may be created just after the Rollout (GitOps order): look again soon. */
const MISSING_SERVICE_RETRY_MS = 10_000;

export class RolloutSync {
  readonly ro: Rollout;
  readonly ctx: RolloutContext;
  readonly deps: SyncDeps;
  readonly now: Date;
  readonly pause: PauseState;
  /** The status this reconcile writes; starts as a copy of the current one. */
  readonly status: RolloutStatus;
  readonly events: PendingEvent[] = [];
  requeueAfterMs: number | undefined;
  /** Why the update is aborted, for the message and the Progressing condition. */
  abortMessage: string | undefined;
  /** What each kind of pause waits for, for the message. */
  readonly pauseDetail: Record<string, string> = {};
  /** What the update is doing now, e.g. `step 2/4 (setWeight: 40)`. */
  stepDetail: string | undefined;
  /** A person's resume could not be acted on in this reconcile (spec.paused): keep it. */
  holdResume = false;

  constructor(ro: Rollout, ctx: RolloutContext, deps: SyncDeps) {
    this.ro = ro;
    this.ctx = ctx;
    this.deps = deps;
    this.now = deps.now;
    this.status = structuredClone(ro.status ?? {});
    this.pause = new PauseState(ro.status ?? {});
  }

  get api(): ObjectApi {
    return this.deps.api;
  }

  get namespace(): string {
    return this.ro.metadata.namespace ?? 'default';
  }

  event(type: EventType, reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }

  requeue(ms: number | undefined): void {
    if (ms === undefined) return;
    this.requeueAfterMs = minDefined(this.requeueAfterMs, Math.max(0, Math.ceil(ms)));
  }

  rsByName(name: string): ReplicaSet | undefined {
    return this.ctx.allRSs.find((rs) => rs.metadata.name === name);
  }

  async scale(rs: ReplicaSet, replicas: number): Promise<void> {
    const from = rs.spec.replicas ?? 1;
    if (from === replicas) return;
    this.deps.observeReplicaSet?.(await patchReplicaSet(this.api, rs, { replicas }));
    rs.spec.replicas = replicas;
    const dir = replicas > from ? 'up' : 'down';
    this.event(
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${dir} ReplicaSet ${rs.metadata.name} (${hashOf(rs)}) from ${from} to ${replicas}`,
    );
  }

  async setDeadline(rs: ReplicaSet, deadline: string | null): Promise<void> {
    this.deps.observeReplicaSet?.(await patchReplicaSet(this.api, rs, { deadline }));
  }

  /** A Service the spec names; missing ones stall the rollout with a message (and a retry). */
  async service(name: string): Promise<Service> {
    const cached = this.deps.service(this.namespace, name);
    if (cached) return cached;
    try {
      return await this.api.get<Service>(core.services, this.namespace, name);
    } catch (err) {
      if (isNotFound(err)) {
        throw new StallingError(
          'ServiceNotFound',
          `Service ${this.namespace}/${name} named in the Rollout does not exist`,
          {
            cause: err,
            retryAfterMs: MISSING_SERVICE_RETRY_MS,
          },
        );
      }
      throw err;
    }
  }

  /** Points a Service at a version; returns true when it changed. */
  async pointService(name: string, hash: string, role: string): Promise<boolean> {
    const svc = await this.service(name);
    const from = selectedHash(svc);
    if (from === hash) return false;
    await patchSelector(this.api, svc, hash);
    this.event(
      'Normal',
      'SwitchService',
      `Switched ${role} Service ${name} from ${from ?? 'all pods'} to ${hash}`,
    );
    return true;
  }
}
