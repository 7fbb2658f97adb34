import type { Informer } from '../kube/informer.ts';
import { type KubeObject, objectKey } from '../kube/resources.ts';
import { lazyChild } from '../observability/lazy-child.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import { classify } from './reconcile-errors.ts';
import type { ShardClaim } from './sharding/shard-term.ts';
import { KeyBackoff, WorkQueue } from './work-queue.ts';

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (polling, timers). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  log: Logger;
  /**
   * Records an object this reconcile wrote (a status patch response) in the cache, so a
   * reconcile that follows at once does not act on the state from before the write.
   */
  observe(obj: KubeObject | undefined): void;
}

export interface Reconciler<T extends KubeObject> {
  /** The kind, for logs and metric labels. */
  readonly kind: string;
  reconcile(obj: T, ctx: ReconcileContext): Promise<ReconcileResult>;
  /** Called when the object is gone from the cache, to drop what the reconciler kept for it. */
  forget?(key: string): void;
}

export interface ControllerOptions<T extends KubeObject> {
  informer: Informer<T>;
  reconciler: Reconciler<T>;
  log: Logger;
  metrics: ControllerMetrics;
  concurrency?: number;
  /**
   * Reconcile on every change, status included. By default a status-only update (our own
   * patch) wakes nothing; kinds whose operations are status patches by a person (a
   * Rollout's promote, abort, retry) need to see those.
   */
  reconcileOnStatusChange?: boolean;
  /**
   * For kinds cached whole under --watch-label-selector: whether an object is this shard's.
   * Others are left alone as if absent.
   */
  inShard?: ((obj: T) => boolean) | undefined;
}

/** Automatic sharding, as a controller sees it (sharding/auto-sharding.ts). */
export interface ShardGate {
  /** The shard and term this replica may reconcile `obj` under now; undefined if not its own. */
  claim(obj: KubeObject): ShardClaim | undefined;
  /** Runs a reconcile under its claim: every write it sends is checked against the claim. */
  run<T>(claim: ShardClaim, fn: () => Promise<T>): Promise<T>;
  /** Whether the claim still holds (a failure under a lost claim is left to the new holder). */
  holds(claim: ShardClaim): boolean;
}

/** Extra workers for cheap keys (WorkQueue), per worker: four API round trips in flight each. */
const CHEAP_WORKERS_PER_WORKER = 3;

/**
 * Drives one reconciler from its informer: every add/update/delete enqueues the key;
 * workers take the latest cached object and reconcile it. Every failure of every kind is
 * logged, counted and requeued here, by its class: stalling waits for a change to the
 * object (or its retryAfterMs), waiting requeues after its interval, transient backs off
 * exponentially with jitter.
 */
export class Controller<T extends KubeObject> {
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions<T>;
  private readonly backoff = new KeyBackoff();
  private shards: ShardGate | undefined;

  constructor(opts: ControllerOptions<T>) {
    this.opts = opts;
    const kind = opts.reconciler.kind;
    this.queue = new WorkQueue({
      concurrency: opts.concurrency ?? 4,
      cheapConcurrency: CHEAP_WORKERS_PER_WORKER * (opts.concurrency ?? 4),
      handler: (key) => this.process(key),
      onDepth: (depth) => opts.metrics.queueDepth.set({ kind }, depth),
      onWait: (seconds) => opts.metrics.queueWait.observe({ kind }, seconds),
    });
    opts.informer.on('add', (obj) => this.queue.add(objectKey(obj)));
    opts.informer.on('update', (obj, old) => {
      if (old && this.unchanged(obj, old)) return;
      this.queue.add(objectKey(obj));
    });
    opts.informer.on('delete', (obj) => this.queue.add(objectKey(obj)));
  }

  get kind(): string {
    return this.opts.reconciler.kind;
  }

  get informer(): Informer<T> {
    return this.opts.informer;
  }

  enqueue(key: string, afterMs = 0): void {
    this.queue.addAfter(key, afterMs);
  }

  /** Enqueues now, ahead of every key enqueued otherwise: an object a change concerns. */
  enqueueFirst(key: string): void {
    this.queue.add(key, { first: true });
  }

  /** Enqueues now work expected to be one status write, which extra workers take too. */
  enqueueCheap(key: string): void {
    this.queue.add(key, { cheap: true });
  }

  /** Enqueues every object in the cache (e.g. on becoming leader). */
  enqueueAll(): void {
    this.enqueueWhere(() => true);
  }

  /** Enqueues the cached objects `pred` selects (e.g. those of a shard just acquired). */
  enqueueWhere(pred: (obj: T) => boolean): void {
    for (const obj of this.opts.informer.list()) if (pred(obj)) this.queue.add(objectKey(obj));
  }

  /** Reconciles only the objects of the shards this replica holds, each under its claim. */
  useShards(gate: ShardGate): void {
    this.shards = gate;
  }

  /** Queues keys but reconciles nothing until start(): a standby waiting for the lease. */
  pause(): void {
    this.queue.pause();
  }

  /** Starts (or resumes) reconciling, with every cached object queued once. */
  start(): void {
    this.queue.resume();
    this.enqueueAll();
  }

  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }

  /**
   * Status-only updates (our own patches) need no reconcile, except when annotations change
   * (reconcile-now requests) or the object is being deleted, or when the kind asked for them.
   */
  private unchanged(obj: T, old: T): boolean {
    if (!statusOnly(obj, old)) return false;
    return (
      !this.opts.reconcileOnStatusChange || obj.metadata.resourceVersion === old.metadata.resourceVersion
    );
  }

  private async process(key: string): Promise<void> {
    const { reconciler, metrics } = this.opts;
    const cached = this.opts.informer.get(key);
    const obj = cached && (this.opts.inShard?.(cached) ?? true) ? cached : undefined;
    const claim = obj && this.shards?.claim(obj);
    if (!obj || (this.shards && !claim)) {
      this.backoff.reset(key);
      reconciler.forget?.(key);
      return;
    }
    const [namespace, name] = key.includes('/') ? key.split('/') : [undefined, key];
    // The shard and term go on every line, so logs show which replica's claim did what.
    const log = lazyChild(this.opts.log, { kind: reconciler.kind, namespace, name, ...claim });
    const end = metrics.reconcileDuration.startTimer({ kind: reconciler.kind });
    try {
      const observe = (written: KubeObject | undefined) => {
        if (written) this.opts.informer.observe(written as T);
      };
      const reconcile = () => reconciler.reconcile(obj, { log, observe });
      const result = claim && this.shards ? await this.shards.run(claim, reconcile) : await reconcile();
      end({ result: 'success' });
      log.debug({ requeueAfterMs: result.requeueAfterMs }, 'reconciled');
      this.backoff.reset(key);
      if (result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
    } catch (thrown) {
      const err = classify(thrown);
      end({ result: 'error' });
      if (claim && this.shards && !this.shards.holds(claim)) {
        // Its writes were refused from the moment the shard went; the new holder carries on.
        this.backoff.reset(key);
        log.info({ err: err.message }, 'shard lost during reconcile; left to its new holder');
        return;
      }
      metrics.reconcileErrors.inc({ kind: reconciler.kind, class: err.errorClass });
      // Backoff is for failures in a row that may pass by themselves; the others say when.
      if (err.errorClass !== 'transient') this.backoff.reset(key);
      if (err.errorClass === 'stalling') {
        log.error({ reason: err.reason, err: err.message, retryInMs: err.retryAfterMs }, 'reconcile stalled');
        if (err.retryAfterMs !== undefined) this.queue.addAfter(key, err.retryAfterMs);
      } else if (err.errorClass === 'waiting') {
        log.info({ reason: err.reason, detail: err.message }, 'waiting');
        this.queue.addAfter(key, err.retryAfterMs ?? 10_000);
      } else {
        const delay = this.backoff.next(key);
        log.warn({ reason: err.reason, err: err.message, retryInMs: delay }, 'reconcile failed; retrying');
        this.queue.addAfter(key, delay);
      }
    }
  }
}

function statusOnly(obj: KubeObject, old: KubeObject): boolean {
  return (
    obj.metadata.generation !== undefined &&
    obj.metadata.generation === old.metadata.generation &&
    sameAnnotations(obj, old) &&
    !obj.metadata.deletionTimestamp
  );
}

function sameAnnotations(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(a.metadata.annotations ?? {}) === JSON.stringify(b.metadata.annotations ?? {});
}
