// The in-process dispatcher the EventRecorder feeds. Recording hands it each Event once
// written and returns at once (a bounded inbox); matching, sending and retries happen here,
// one lane per Alert (alert-lane.ts). An Alert's lane opens when the Alert controller finds
// it valid (so only the leader sends), after a replay of the Kubernetes Events written since
// the delivery record in the Alert's status: what a killed controller had not yet delivered is sent
// once by the next one.

import type { Alert, DeliveryCursor, Provider } from '../api/notification.ts';
import { alertResource } from '../api/notification.ts';
import { isNotFound } from '../kube/api-errors.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject, objectKey, parseKey } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import type { NotificationMetrics } from '../observability/notification-metrics.ts';
import { type KubeEvent, REPORTING_CONTROLLER } from '../runtime/events.ts';
import { AlertLane, type LaneSettings } from './alert-lane.ts';
import { Deduplicator, RateLimiter } from './delivery-policy.ts';
import { compareEvents, type NotificationEvent, toNotification } from './event.ts';
import { eventSource, type ObjectLookup } from './event-source.ts';
import { alertMatches } from './match.ts';
import { type ResolvedProvider, resolveProvider } from './provider-config.ts';
import { type Send, sendRequest } from './sender.ts';

/** Events waiting to be matched; recording drops (and logs) beyond this rather than wait. */
const MAX_INBOX = 1000;
const DEDUPE_WINDOW_MS = 10 * 60_000;
/** Per Provider: a burst of 10, then 2 a second. */
const RATE_PER_SECOND = 2;
const BURST = 10;

export interface DispatcherDeps {
  api: ObjectApi;
  log: Logger;
  lookup: ObjectLookup;
  providers: Informer<Provider>;
  send?: Send;
  now?: () => number;
  metrics?: NotificationMetrics;
}

interface Incoming {
  event: KubeEvent;
  meta: KubeObject['metadata'];
}

export class Dispatcher {
  private readonly deps: DispatcherDeps;
  private readonly log: Logger;
  private readonly lanes = new Map<string, AlertLane & { uid?: string | undefined }>();
  private readonly inbox: Incoming[] = [];
  private draining = false;
  private readonly dedupe = new Deduplicator(DEDUPE_WINDOW_MS);
  private readonly limiter = new RateLimiter(RATE_PER_SECOND, BURST);
  private readonly waits = new Set<(stopped: boolean) => void>();
  private readonly now: () => number;

  constructor(deps: DispatcherDeps) {
    this.deps = deps;
    this.log = deps.log.child({ component: 'notifications' });
    this.now = deps.now ?? Date.now;
  }

  /** The EventRecorder listener: queue and return. */
  readonly listener = (event: KubeEvent, regarding: KubeObject): void => {
    if (this.lanes.size === 0) return;
    if (this.inbox.length >= MAX_INBOX) {
      this.log.warn({ reason: event.reason }, 'notification inbox full: event not matched');
      return;
    }
    this.inbox.push({ event, meta: regarding.metadata });
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drainInbox());
    }
  };

  /** The Alert is valid: open (or update) its lane. The first time, replay what it missed. */
  activate(alert: Alert, settings: LaneSettings): void {
    const key = objectKey(alert);
    const existing = this.lanes.get(key);
    if (existing && existing.uid === alert.metadata.uid) {
      existing.settings = settings;
      existing.adoptContext();
      return;
    }
    if (existing) this.deactivate(key);
    const lane = Object.assign(new AlertLane(settings, alert.status?.delivered ?? [], this.laneDeps(key)), {
      uid: alert.metadata.uid,
    });
    this.lanes.set(key, lane);
    void this.replay(alert, lane);
  }

  /** The Alert is gone, suspended or invalid: its lane stops; a later activation replays. */
  deactivate(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    lane.stopped = true;
    this.lanes.delete(key);
  }

  stop(): void {
    for (const key of [...this.lanes.keys()]) this.deactivate(key);
    for (const wake of this.waits) wake(true);
  }

  private drainInbox(): void {
    this.draining = false;
    for (const { event, meta } of this.inbox.splice(0)) this.offer(this.notification(event, meta));
  }

  private notification(event: KubeEvent, meta: KubeObject['metadata'] | undefined): NotificationEvent {
    const n = toNotification(event, meta?.labels ?? {});
    const source = meta ? eventSource(n.involvedObject.kind, meta, n.message, this.deps.lookup) : undefined;
    return source ? { ...n, source } : n;
  }

  /** Hands an event to every open lane whose Alert takes it, once per de-duplication window. */
  private offer(n: NotificationEvent, only?: string): void {
    for (const [key, lane] of this.lanes) {
      if (only !== undefined && key !== only) continue;
      if (lane.handled(n) || !alertMatches(lane.settings.filter, n)) continue;
      const dedupeKey = `${key}|${n.involvedObject.uid}|${n.reason}|${n.message}`;
      if (!this.dedupe.admit(dedupeKey, this.now())) continue;
      lane.add(n);
    }
  }

  /** Events Sluice wrote in the Alert's source namespaces since its creation that its record lacks. */
  private async replay(alert: Alert, lane: AlertLane): Promise<void> {
    const key = objectKey(alert);
    const since = Date.parse(alert.metadata.creationTimestamp ?? '') || 0;
    const namespaces = new Set(
      alert.spec.eventSources.map((s) => s.namespace ?? alert.metadata.namespace ?? 'default'),
    );
    for (let attempt = 1; !lane.stopped; attempt++) {
      try {
        const found: KubeEvent[] = [];
        for (const ns of namespaces) {
          const list = await this.deps.api.list<KubeEvent>(core.events, ns);
          for (const e of list.items) {
            if (e.reportingController !== REPORTING_CONTROLLER || !e.eventTime) continue;
            if (Date.parse(e.eventTime) < since) continue;
            found.push(e);
          }
        }
        found.sort((a, b) =>
          compareEvents(
            { eventTime: a.eventTime, name: a.metadata.name },
            { eventTime: b.eventTime, name: b.metadata.name },
          ),
        );
        for (const e of found) {
          const r = e.regarding;
          const obj = r.kind ? this.deps.lookup(r.kind, r.namespace ?? '', r.name) : undefined;
          this.offer(this.notification(e, obj?.metadata ?? { name: r.name, namespace: r.namespace }), key);
        }
        this.log.info({ alert: key, events: found.length }, 'notifications replayed from events');
        break;
      } catch (err) {
        this.log.warn(
          { alert: key, err: (err as Error).message, attempt },
          'listing events to replay failed',
        );
        if (!(await this.wait(Math.min(30_000, 1000 * 2 ** attempt)))) return;
      }
    }
    lane.open();
  }

  private laneDeps(alertKey: string) {
    const { namespace, name } = parseKey(alertKey);
    return {
      log: this.log.child({ alert: alertKey }),
      send: this.deps.send ?? sendRequest,
      limiter: this.limiter,
      now: this.now,
      metrics: this.deps.metrics,
      wait: (ms: number) => this.wait(ms),
      provider: (key: string) => this.provider(key),
      save: async (delivered: DeliveryCursor[], failure: string | undefined) => {
        try {
          await this.deps.api.mergePatch(
            alertResource,
            namespace,
            name,
            {
              status: {
                delivered,
                lastDelivered: delivered.at(-1),
                ...(failure ? { lastFailure: failure } : {}),
              },
            },
            'status',
          );
        } catch (err) {
          if (isNotFound(err)) return this.deactivate(alertKey);
          throw err;
        }
      },
    };
  }

  private async provider(key: string): Promise<ResolvedProvider> {
    const provider = this.deps.providers.get(key);
    if (!provider) throw new Error(`Provider ${key} not found`);
    const secretName = provider.spec.secretRef?.name;
    let data: Record<string, string> | undefined;
    if (secretName) {
      const ns = provider.metadata.namespace;
      const secret = await this.deps.api.getOrUndefined<KubeObject & { data?: Record<string, string> }>(
        core.secrets,
        ns,
        secretName,
      );
      if (!secret) throw new Error(`Secret ${ns}/${secretName} of Provider ${key} not found`);
      data = secret.data ?? {};
    }
    return resolveProvider(provider, data);
  }

  /** Resolves true after `ms`, or false at once when the dispatcher stops. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (stopped: boolean) => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve(!stopped);
      };
      const timer = setTimeout(() => wake(false), ms);
      this.waits.add(wake);
    });
  }
}
