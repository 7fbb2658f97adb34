import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client.ts';
import { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { microTime } from './api-time.ts';

export type EventType = 'Normal' | 'Warning';

/** `reportingController` of every Event Sluice writes; notifications replay only these. */
export const REPORTING_CONTROLLER = 'sluice.dev/controller';
const SERIES_WINDOW_MS = 10 * 60_000;
const MAX_TRACKED = 4096;
/** Writes waiting or in flight; beyond this, events are dropped (and logged), as client-go does. */
const MAX_PENDING = 1000;

/** The events.k8s.io/v1 Event as the recorder writes it. */
export interface KubeEvent extends KubeObject {
  eventTime: string;
  type: EventType;
  reason: string;
  action: string;
  note: string;
  reportingController: string;
  reportingInstance: string;
  regarding: {
    apiVersion?: string | undefined;
    kind?: string | undefined;
    name: string;
    namespace?: string | undefined;
    uid?: string | undefined;
    resourceVersion?: string | undefined;
  };
}

/** Told of each Event once it is written (not of a series' repeats), with the object it is about. */
export type EventListener = (event: KubeEvent, regarding: KubeObject) => void;

interface Tracked {
  name: string;
  namespace: string;
  count: number;
  firstAt: number;
}

/**
 * Records events.k8s.io/v1 Events. Repeats of the same event for the same object within
 * ten minutes update one Event's series instead of creating new ones, so a failing
 * object does not flood etcd. Recording never fails or slows a reconcile: writes happen in
 * the background (in order for each event key, so a series always finds its Event), as
 * client-go's broadcaster does.
 */
export class EventRecorder {
  private readonly api: ObjectApi;
  private readonly log: Logger;
  private readonly instance: string;
  private readonly recent = new Map<string, Tracked>();
  /** The last write queued for each event key; the next one for that key waits for it. */
  private readonly chains = new Map<string, Promise<void>>();
  private pending = 0;
  private readonly listeners: EventListener[] = [];

  constructor(client: KubeClient, log: Logger, instance: string) {
    this.api = new ObjectApi(client);
    this.log = log;
    this.instance = instance;
  }

  record(regarding: KubeObject, type: EventType, reason: string, note: string, action = reason): void {
    const key = `${regarding.metadata.uid}|${type}|${reason}|${note}`;
    if (this.pending >= MAX_PENDING) {
      this.log.warn({ reason, note }, 'dropping an event: too many waiting to be written');
      return;
    }
    this.pending++;
    const now = Date.now();
    const chain = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.write(key, regarding, type, reason, note, action, now))
      .finally(() => {
        this.pending--;
        if (this.chains.get(key) === chain) this.chains.delete(key);
      });
    this.chains.set(key, chain);
  }

  /** Notifications hook in here; a listener must return at once (it runs on the write path). */
  onRecorded(listener: EventListener): void {
    this.listeners.push(listener);
  }

  private tell(event: KubeEvent, regarding: KubeObject): void {
    for (const listener of this.listeners) {
      try {
        listener(event, regarding);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, reason: event.reason }, 'event listener failed');
      }
    }
  }

  /** Waits for every event recorded so far to be written (or to fail). */
  async flush(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private async write(
    key: string,
    regarding: KubeObject,
    type: EventType,
    reason: string,
    note: string,
    action: string,
    now: number,
  ): Promise<void> {
    const namespace = regarding.metadata.namespace ?? 'default';
    const prior = this.recent.get(key);
    try {
      if (prior && now - prior.firstAt < SERIES_WINDOW_MS) {
        prior.count++;
        await this.api.mergePatch(core.events, prior.namespace, prior.name, {
          series: { count: prior.count, lastObservedTime: microTime(now) },
        });
        return;
      }
      const name = `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`.slice(0, 253);
      const event: KubeEvent = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        type,
        reason,
        action,
        note: note.slice(0, 1024),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.instance,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata.name,
          namespace: regarding.metadata.namespace,
          uid: regarding.metadata.uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
      };
      await this.api.create(core.events, event);
      this.tell(event, regarding);
      if (this.recent.size >= MAX_TRACKED) this.recent.delete(this.recent.keys().next().value as string);
      this.recent.set(key, { name, namespace, count: 1, firstAt: now });
    } catch (err) {
      this.recent.delete(key);
      this.log.warn(
        { err: (err as Error).message, reason, namespace, name: regarding.metadata.name },
        'recording event failed',
      );
    }
  }
}

/**
 * Records an event only when the message it explains changed (`previous` is what status
 * said before this reconcile), so a failure retried every few seconds is one Event, not a
 * stream of them.
 */
export function recordOnChange(
  events: Pick<EventRecorder, 'record'>,
  regarding: KubeObject,
  change: { previous: string | undefined; current: string },
  type: EventType,
  reason: string,
  note: string,
): void {
  if (change.previous !== change.current) events.record(regarding, type, reason, note);
}
