// One Alert's outbox: the events it matched, sent one at a time in event order, each retried
// with backoff until delivered or given up, the record of what was delivered saved in the
// Alert's status after each. A restarted controller sends what that record lacks
// (dispatcher.ts replays).

import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeliveryCursor } from '../api/notification.ts';
import type { Logger } from '../observability/logger.ts';
import type { NotificationMetrics } from '../observability/notification-metrics.ts';
import { MAX_ATTEMPTS, type RateLimiter, retriable, retryDelay } from './delivery-policy.ts';
import { compareEvents, type NotificationEvent } from './event.ts';
import type { AlertFilter } from './match.ts';
import type { AlertExtras } from './payload.ts';
import { buildRequest } from './payload.ts';
import type { ResolvedProvider } from './provider-config.ts';
import type { Send } from './sender.ts';

/** Most events waiting for one Alert; beyond this new ones are dropped and logged. */
const MAX_PENDING = 1000;

export interface LaneSettings {
  filter: AlertFilter;
  extras: AlertExtras;
  /** `namespace/name` of the Provider: the rate-limit key. */
  providerKey: string;
}

export interface LaneDeps {
  log: Logger;
  send: Send;
  limiter: RateLimiter;
  /** Reads the Provider and its Secret at send time, so a rotated token is used at once. */
  provider(key: string): Promise<ResolvedProvider>;
  /** Saves what was delivered (and why the last one failed) in the Alert's status. */
  save(delivered: DeliveryCursor[], failure: string | undefined): Promise<void>;
  now(): number;
  metrics?: NotificationMetrics | undefined;
  /** Waits `ms` unless the lane stops first (false then). */
  wait(ms: number): Promise<boolean>;
}

type Outcome =
  | { kind: 'sent' }
  | { kind: 'failed'; reason: string }
  | { kind: 'skipped' }
  | { kind: 'stopped' };

const cursorEvent = (cursor: DeliveryCursor) => ({ eventTime: cursor.eventTime, name: cursor.eventName });

/**
 * How many delivered events the record keeps. Events are not offered strictly in event order
 * (Events sharing a millisecond, writes finishing out of order), so the record is a set of
 * the latest ones rather than one cursor; anything older than a full record is done.
 */
export const DELIVERED_KEPT = 50;

export class AlertLane {
  settings: LaneSettings;
  private readonly deps: LaneDeps;
  private readonly pending: NotificationEvent[] = [];
  private readonly known = new Set<string>();
  /** The latest events handled, oldest first (at most DELIVERED_KEPT). */
  private delivered: DeliveryCursor[];
  private running = false;
  /** Held until replay has added what it found, so events go out in order. */
  private ready = false;
  stopped = false;
  /**
   * The async context of the Alert's latest reconcile, which deliveries run in whatever
   * event woke them: under --sharding=auto its writes are fenced on the Alert's own shard,
   * not on that of the object whose Event happened to start the drain.
   */
  private inAlertContext = AsyncLocalStorage.snapshot();

  constructor(settings: LaneSettings, delivered: readonly DeliveryCursor[], deps: LaneDeps) {
    this.settings = settings;
    this.delivered = [...delivered].sort((a, b) => compareEvents(cursorEvent(a), cursorEvent(b)));
    this.deps = deps;
  }

  /** Called from the Alert's reconcile each time it finds the Alert valid. */
  adoptContext(): void {
    this.inAlertContext = AsyncLocalStorage.snapshot();
  }

  /** Already sent (or given up on), per the record this lane started from or has made. */
  handled(event: Pick<NotificationEvent, 'eventTime' | 'name'>): boolean {
    if (this.delivered.some((d) => d.eventName === event.name)) return true;
    const oldest = this.delivered[0];
    return (
      this.delivered.length >= DELIVERED_KEPT &&
      oldest !== undefined &&
      compareEvents(event, cursorEvent(oldest)) < 0
    );
  }

  private record(event: NotificationEvent): DeliveryCursor[] {
    if (!this.handled(event)) {
      this.delivered.push({ eventTime: event.eventTime, eventName: event.name });
      this.delivered.sort((a, b) => compareEvents(cursorEvent(a), cursorEvent(b)));
      this.delivered = this.delivered.slice(-DELIVERED_KEPT);
    }
    return this.delivered;
  }

  add(event: NotificationEvent): void {
    if (this.known.has(event.name)) return;
    if (this.pending.length >= MAX_PENDING) {
      this.deps.log.warn(
        { reason: event.reason, object: event.involvedObject.name },
        'notification dropped: too many waiting',
      );
      return;
    }
    this.remember(event.name);
    const i = this.pending.findIndex((p) => compareEvents(event, p) < 0);
    if (i < 0) this.pending.push(event);
    else this.pending.splice(i, 0, event);
    this.kick();
  }

  /** Replay is done: start sending. */
  open(): void {
    this.ready = true;
    this.kick();
  }

  private remember(name: string): void {
    if (this.known.size >= 4 * MAX_PENDING) this.known.delete(this.known.values().next().value as string);
    this.known.add(name);
  }

  private kick(): void {
    if (this.running || !this.ready || this.stopped) return;
    this.running = true;
    void this.inAlertContext(() => this.drain()).finally(() => {
      this.running = false;
      if (this.pending.length > 0 && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const event = this.pending[0];
      if (!event) return;
      const outcome = await this.deliver(event);
      if (outcome.kind === 'stopped') return;
      // Not shift(): an older event may have been queued in front of it meanwhile.
      this.pending.splice(this.pending.indexOf(event), 1);
      if (outcome.kind === 'skipped') continue;
      try {
        await this.deps.save(this.record(event), outcome.kind === 'failed' ? outcome.reason : undefined);
      } catch (err) {
        // Sent but not recorded: a restart before the next save sends it again (at least once).
        this.deps.log.warn({ err: (err as Error).message }, 'saving the delivery record failed');
      }
    }
  }

  /** Sends one event, retrying, until it is delivered, given up on, not for this provider, or the lane stops. */
  private async deliver(event: NotificationEvent): Promise<Outcome> {
    const log = this.deps.log.child({
      reason: event.reason,
      object: `${event.involvedObject.kind}/${event.involvedObject.name}`,
      event: event.name,
    });
    let type = 'unknown';
    for (let attempt = 1; ; attempt++) {
      // A lane closed while it waited leaves the event to the next lane's replay.
      if (this.stopped) return { kind: 'stopped' };
      let failure: string;
      let again = false;
      try {
        const provider = await this.deps.provider(this.settings.providerKey);
        if (provider.suspended) {
          log.debug({ provider: this.settings.providerKey }, 'provider suspended: notification dropped');
          return { kind: 'skipped' };
        }
        const request = buildRequest(provider.config, event, this.settings.extras, new Date(this.deps.now()));
        if ('skipped' in request) {
          log.debug({ why: request.skipped }, 'notification not for this provider');
          return { kind: 'skipped' };
        }
        for (
          let wait = this.deps.limiter.take(this.settings.providerKey, this.deps.now());
          wait > 0;
          wait = this.deps.limiter.take(this.settings.providerKey, this.deps.now())
        ) {
          if (!(await this.deps.wait(wait))) return { kind: 'stopped' };
        }
        type = provider.config.type;
        const result = await this.deps.send(request, provider.timeoutMs);
        if (result.ok) {
          this.deps.metrics?.notifications.inc({ type, result: 'sent' });
          this.deps.metrics?.latency.observe(
            { type },
            Math.max(0, this.deps.now() - Date.parse(event.eventTime)) / 1000,
          );
          log.info(
            { provider: this.settings.providerKey, type: provider.config.type, attempt },
            'notification sent',
          );
          return { kind: 'sent' };
        }
        failure = result.error ?? 'failed';
        again = retriable(result.status);
      } catch (err) {
        failure = (err as Error).message;
        again = true;
      }
      const gaveUp = !again || attempt >= MAX_ATTEMPTS;
      this.deps.metrics?.notifications.inc({ type, result: gaveUp ? 'failed' : 'retried' });
      if (gaveUp) {
        log.warn({ provider: this.settings.providerKey, attempt, failure }, 'notification given up');
        return {
          kind: 'failed',
          reason: `${event.reason} for ${event.involvedObject.kind}/${event.involvedObject.name}: ${failure}`,
        };
      }
      const delay = retryDelay(attempt);
      log.info(
        { provider: this.settings.providerKey, attempt, failure, retryInMs: delay },
        'notification failed, retrying',
      );
      if (!(await this.deps.wait(delay))) return { kind: 'stopped' };
    }
  }
}
