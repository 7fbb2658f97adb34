type KeyHandler = (key: string) => Promise<void>;

/**
 * How long cheap keys wait at most while keys added first are queued or running: a push's
 * changed Applications get the API server to themselves for that long, instead of sharing
 * it with the status writes of every Application the push merely moved.
 */
const CHEAP_HOLD_MS = 2_000;

interface WorkQueueOptions {
  concurrency: number;
  /**
   * Workers beyond `concurrency` that take only keys added `cheap`: work that is mostly one
   * API round trip (an Application taking a revision without rendering) should not wait
   * four at a time behind the few that render.
   */
  cheapConcurrency?: number;
  handler: KeyHandler;
  /** Called whenever the number of waiting keys changes (for a depth gauge). */
  onDepth?: (depth: number) => void;
  /** Called when a worker takes a key, with how long it waited in the queue. */
  onWait?: (seconds: number) => void;
}

/**
 * A work queue with the guarantees controllers rely on:
 * - de-duplication: a key queued twice is processed once;
 * - per-key serialisation: a key is never processed by two workers at once; a key
 *   added while it is being processed runs again right after;
 * - delayed adds (requeue-after), keeping the earliest deadline per key;
 * - keys added `first` are taken before the others (in their own order), so the few
 *   objects a change concerns are not stuck behind the many it merely wakes;
 * - keys added `cheap` come last, but extra workers (`cheapConcurrency`) take them too;
 *   none is started while keys added first wait or run, for up to CHEAP_HOLD_MS.
 */
export class WorkQueue {
  private readonly opts: WorkQueueOptions;
  private readonly queue: string[] = [];
  private readonly urgent: string[] = [];
  private readonly cheap: string[] = [];
  /** Keys waiting for a worker, with when they were queued. */
  private readonly queued = new Map<string, number>();
  private readonly processing = new Set<string>();
  /** Keys taken from the `first` lane and still running. */
  private readonly runningFirst = new Set<string>();
  /** Since when cheap keys have been held back, and the timer that ends the hold. */
  private hold: { since: number; timer: NodeJS.Timeout } | undefined;
  private readonly dirty = new Set<string>();
  private readonly dirtyFirst = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private active = 0;
  private activeCheap = 0;
  private stopped = false;
  private paused = false;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: WorkQueueOptions) {
    this.opts = opts;
  }

  get depth(): number {
    return this.queue.length + this.urgent.length + this.cheap.length;
  }

  /**
   * `first`: before every key not added first, including this key if already waiting.
   * `cheap`: after the others, and taken by the extra workers as well.
   */
  add(key: string, opts: { first?: boolean; cheap?: boolean } = {}): void {
    if (this.stopped) return;
    const pending = this.timers.get(key);
    if (pending) {
      clearTimeout(pending.timer);
      this.timers.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      if (opts.first) this.dirtyFirst.add(key);
      return;
    }
    if (this.queued.has(key)) {
      if (!opts.first) return;
      for (const lane of [this.queue, this.cheap]) {
        const at = lane.indexOf(key);
        if (at >= 0) {
          lane.splice(at, 1);
          this.urgent.push(key);
        }
      }
      return;
    }
    this.queued.set(key, performance.now());
    (opts.first ? this.urgent : opts.cheap ? this.cheap : this.queue).push(key);
    this.opts.onDepth?.(this.depth);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Keeps accepting keys but starts no handler until resume() (a leader-election standby). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Stops taking work, cancels timers, and waits for in-flight handlers. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.urgent.length = 0;
    this.cheap.length = 0;
    this.queued.clear();
    this.endHold();
    if (this.active + this.activeCheap > 0)
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && !this.paused) {
      const holding = this.holdingCheap();
      const first = this.active < this.opts.concurrency && this.urgent.length > 0;
      let key = this.active < this.opts.concurrency ? this.nextKey(holding) : undefined;
      const cheap = key === undefined && !holding && this.activeCheap < (this.opts.cheapConcurrency ?? 0);
      if (cheap) key = this.cheap.shift();
      if (key === undefined) break;
      if (first) this.runningFirst.add(key);
      const queuedAt = this.queued.get(key);
      this.queued.delete(key);
      if (queuedAt !== undefined) this.opts.onWait?.((performance.now() - queuedAt) / 1000);
      this.opts.onDepth?.(this.depth);
      if (cheap) this.activeCheap++;
      else this.active++;
      this.processing.add(key);
      void this.run(key, cheap);
    }
  }

  private nextKey(holdingCheap: boolean): string | undefined {
    return this.urgent.shift() ?? this.queue.shift() ?? (holdingCheap ? undefined : this.cheap.shift());
  }

  /** Whether cheap keys wait: keys added first are queued or running, for CHEAP_HOLD_MS at most. */
  private holdingCheap(): boolean {
    if (this.urgent.length === 0 && this.runningFirst.size === 0) {
      this.endHold();
      return false;
    }
    if (!this.hold) {
      const timer = setTimeout(() => this.pump(), CHEAP_HOLD_MS);
      timer.unref();
      this.hold = { since: performance.now(), timer };
    }
    return performance.now() - this.hold.since < CHEAP_HOLD_MS;
  }

  private endHold(): void {
    if (!this.hold) return;
    clearTimeout(this.hold.timer);
    this.hold = undefined;
  }

  private async run(key: string, cheap: boolean): Promise<void> {
    try {
      await this.opts.handler(key);
    } catch {
      // Handlers classify and log their own errors; the queue only keeps going.
    } finally {
      this.processing.delete(key);
      this.runningFirst.delete(key);
      if (cheap) this.activeCheap--;
      else this.active--;
      const first = this.dirtyFirst.delete(key);
      if (this.dirty.delete(key)) this.add(key, { first });
      if (this.active + this.activeCheap === 0 && this.stopped) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
      this.pump();
    }
  }
}

/** Per-key jittered exponential backoff, reset when a key succeeds. */
export class KeyBackoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(baseMs = 1_000, maxMs = 5 * 60_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  next(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** (n - 1));
    // "Equal jitter": at least half the ceiling, so retries still spread out.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  attempts(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
}
