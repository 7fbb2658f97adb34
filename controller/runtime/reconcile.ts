// The one shape every reconciler has (Flux's source-controller): get the object, handle
// deletion and suspend, run ordered steps, and summarise and patch status once at the end,
// whatever happened. Kinds supply the steps and how a failure reads in their status.

import { type ReconcileRequestStatus, reconcileRequest } from '../api/meta.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from './controller.ts';
import { addFinalizer, holdsFinalizer, removeFinalizer } from './finalizers.ts';
import { cloneJson } from './json-clone.ts';
import { classify, type ReconcileError } from './reconcile-errors.ts';
import { patchStatus } from './status.ts';

type StatusObject<S extends object> = KubeObject & { status?: S };

/** One pass of the reconcile loop, handed to each step: the object as read and the status being built. */
export class ReconcilePass<T extends StatusObject<S>, S extends object> {
  readonly object: T;
  /** The status written at the end; starts as a copy of the object's. */
  status: S;
  /** One reading of the clock for the whole reconcile. */
  readonly now: Date;
  readonly log: Logger;
  /** A reconcile-now request (annotation) this reconcile is the first to handle. */
  readonly forced: boolean;
  private requeueMs: number | undefined;

  constructor(object: T, log: Logger, now: Date) {
    this.object = object;
    this.status = cloneJson(object.status ?? ({} as S));
    this.now = now;
    this.log = log;
    const requested = reconcileRequest(object.metadata.annotations);
    const handled = (object.status as ReconcileRequestStatus | undefined)?.lastHandledReconcileAt;
    this.forced = requested !== undefined && requested !== handled;
  }

  /** Look again after `ms` at the latest; the shortest request of the reconcile wins. */
  requeue(ms: number | undefined): void {
    if (ms === undefined) return;
    const next = Math.max(0, Math.ceil(ms));
    this.requeueMs = this.requeueMs === undefined ? next : Math.min(this.requeueMs, next);
  }

  get requeueAfterMs(): number | undefined {
    return this.requeueMs;
  }
}

/** A sub-step: it changes the pass's status and asks for a requeue, or throws a failure. */
export type Step<R> = (pass: R) => Promise<void> | void;

interface SkeletonOptions {
  api: ObjectApi;
  resource: ResourceType;
  /**
   * Write status with the resourceVersion the reconcile read, so a concurrent writer makes it
   * fail (409, retried from fresh data) instead of being overwritten. For kinds whose status is
   * the only record of progress or carries a person's operations (Rollout, AnalysisRun).
   */
  guardResourceVersion?: boolean;
  /** Kinds whose status has `lastHandledReconcileAt` record the reconcile-now request there. */
  recordReconcileRequests?: boolean;
  /** The reason a failure without one of its own carries. */
  failureReason: string;
  /**
   * Held from the first reconcile on, so a deletion waits for `finalize` to report the
   * clean-up done. Kinds without one are simply let go.
   */
  finalizer?: string;
  now?: (() => Date) | undefined;
}

/**
 * The skeleton. `reconcile` is the same for every kind; a kind says which steps run
 * (`steps`), when to do nothing (`finalize`, `suspended`, `settled`), how a failure reads
 * in its status (`failed`), and what to report once status is saved (`saved`).
 */
export abstract class SkeletonReconciler<
  T extends StatusObject<S>,
  S extends object,
  R extends ReconcilePass<T, S>,
> implements Reconciler<T>
{
  abstract readonly kind: string;
  protected readonly clock: () => Date;
  private readonly options: SkeletonOptions;

  constructor(options: SkeletonOptions) {
    this.options = options;
    this.clock = options.now ?? (() => new Date());
  }

  async reconcile(read: T, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (read.metadata.deletionTimestamp) return this.delete(read, ctx);
    if (this.settled(read)) return {};
    const obj = await this.holdFinalizer(read, ctx);
    const pass = this.begin(obj, ctx.log, this.clock());
    const failure = await this.run(pass, ctx, async () => {
      if (!this.suspended(obj)) {
        for (const step of this.steps()) await step(pass);
      }
    });
    if (failure) throw failure;
    return pass.requeueAfterMs === undefined ? {} : { requeueAfterMs: pass.requeueAfterMs };
  }

  /**
   * The object is being deleted: the same pass as any reconcile, with `finalize` as its one
   * step. The finalizer goes only once `finalize` says the clean-up is done, so a controller
   * killed half-way finds the deletion to finish where status left it.
   */
  private async delete(obj: T, ctx: ReconcileContext): Promise<ReconcileResult> {
    const finalizer = this.options.finalizer;
    if (!finalizer || !holdsFinalizer(obj, finalizer)) return {};
    const pass = this.begin(obj, ctx.log, this.clock());
    let done = false;
    let written: T | undefined;
    const failure = await this.run(
      pass,
      ctx,
      async () => {
        done = await this.finalize(pass);
      },
      (w) => {
        written = w;
      },
    );
    if (failure) throw failure;
    if (done) {
      await removeFinalizer(this.options.api, this.options.resource, written ?? obj, finalizer);
      ctx.log.info('finalizer removed');
      return {};
    }
    return pass.requeueAfterMs === undefined ? {} : { requeueAfterMs: pass.requeueAfterMs };
  }

  /** Adds the finalizer before anything is applied, so nothing is made that a deletion would miss. */
  private async holdFinalizer(obj: T, ctx: ReconcileContext): Promise<T> {
    const finalizer = this.options.finalizer;
    if (!finalizer || holdsFinalizer(obj, finalizer)) return obj;
    const written = await addFinalizer(this.options.api, this.options.resource, obj, finalizer);
    ctx.observe(written);
    return written;
  }

  /** Runs `work`, then summarises and patches status once whatever happened; returns the failure. */
  private async run(
    pass: R,
    ctx: ReconcileContext,
    work: () => Promise<void>,
    onWritten?: (written: T) => void,
  ): Promise<ReconcileError | undefined> {
    let failure: ReconcileError | undefined;
    try {
      await work();
    } catch (thrown) {
      failure = this.failed(pass, this.classify(thrown));
    } finally {
      // Deferred: whatever happened, status is summarised and patched once. A failed write
      // replaces the failure above: nothing was recorded, so the reconcile must run again.
      this.recordReconcileRequest(pass);
      this.summarise(pass, failure);
      const written = await patchStatus<T>(
        this.options.api,
        this.options.resource,
        pass.object,
        pass.status,
        {
          guardResourceVersion: this.options.guardResourceVersion ?? false,
        },
      );
      if (written) {
        ctx.log.debug('status patched');
        onWritten?.(written);
      }
      ctx.observe(written);
    }
    this.saved(pass, failure);
    return failure;
  }

  /** The ordered sub-steps, stopping at the first that throws. */
  protected abstract steps(): readonly Step<R>[];

  /** The state of one pass; kinds with more state extend `ReconcilePass`. */
  protected abstract begin(obj: T, log: Logger, now: Date): R;

  /** Folds a failure into status; returns it as the controller should see it, or undefined when status says it all. */
  protected abstract failed(pass: R, failure: ReconcileError): ReconcileError | undefined;

  /**
   * The object is being deleted and holds the kind's finalizer: clean up, and say whether
   * that is done (the finalizer goes) or must be looked at again (`pass.requeue`). Throws
   * like a step; status is written either way.
   */
  protected async finalize(_pass: R): Promise<boolean> {
    return true;
  }

  /** A finished record nothing changes any more (an ended AnalysisRun). */
  protected settled(_obj: T): boolean {
    return false;
  }

  /** spec.suspend: status records the request, nothing else happens. */
  protected suspended(_obj: T): boolean {
    return false;
  }

  /** Turns anything thrown into a classified failure. */
  protected classify(thrown: unknown): ReconcileError {
    return classify(thrown, this.options.failureReason);
  }

  /** Last touches to status before it is written, success or failure. */
  protected summarise(_pass: R, _failure: ReconcileError | undefined): void {}

  /** Events, metrics and logs that describe the status just saved. */
  protected saved(_pass: R, _failure: ReconcileError | undefined): void {}

  /** `kubectl sluice reconcile` waits for its annotation value to show up here. */
  private recordReconcileRequest(pass: R): void {
    if (!this.options.recordReconcileRequests) return;
    const requested = reconcileRequest(pass.object.metadata.annotations);
    if (requested) (pass.status as ReconcileRequestStatus).lastHandledReconcileAt = requested;
  }
}
