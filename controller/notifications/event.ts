// One notification's worth of an event: what the recorder wrote, the labels of the object it is
// about (for matchLabels) and the revision it concerns, when known.

import type { EventSeverity } from '../api/notification.ts';
import type { KubeEvent } from '../runtime/events.ts';

export interface NotificationEvent {
  /** The Kubernetes Event's name: a notification's identity, for de-duplication and the delivery record. */
  name: string;
  /** MicroTime of the Event: with the name, the order notifications are sent in. */
  eventTime: string;
  involvedObject: {
    apiVersion?: string | undefined;
    kind: string;
    name: string;
    namespace: string;
    uid?: string | undefined;
  };
  labels: Readonly<Record<string, string>>;
  severity: EventSeverity;
  reason: string;
  message: string;
  reportingController: string;
  reportingInstance: string;
  /** Revision metadata and where the revision came from, filled in when the object's Application is known. */
  source?: EventSourceInfo;
}

/** The git side of an event: which commit and which repository it is about. */
export interface EventSourceInfo {
  /** `<branch>@sha1:<sha>` as in GitRepository and Application status. */
  revision: string;
  /** The GitRepository URL. */
  url?: string;
  /** The Application the object belongs to (the commit status context). */
  application?: string;
}

/** Flux's mapping: Normal events are `info`, Warning events `error`. */
export function toNotification(
  event: KubeEvent,
  labels: Readonly<Record<string, string>>,
): NotificationEvent {
  return {
    name: event.metadata.name,
    eventTime: event.eventTime,
    involvedObject: {
      apiVersion: event.regarding.apiVersion,
      kind: event.regarding.kind ?? '',
      name: event.regarding.name,
      namespace: event.regarding.namespace ?? event.metadata.namespace ?? '',
      uid: event.regarding.uid,
    },
    labels,
    severity: event.type === 'Warning' ? 'error' : 'info',
    reason: event.reason,
    message: event.note,
    reportingController: event.reportingController,
    reportingInstance: event.reportingInstance,
  };
}

/** Total order of notifications: event time, then name (many Events share a millisecond). */
export function compareEvents(
  a: Pick<NotificationEvent, 'eventTime' | 'name'>,
  b: Pick<NotificationEvent, 'eventTime' | 'name'>,
): number {
  if (a.eventTime !== b.eventTime) return a.eventTime < b.eventTime ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The commit a revision names: `main@sha1:abc…` → `abc…`. */
export function revisionSha(revision: string): string | undefined {
  return /(?:^|[@:])(?:sha1|sha256):([0-9a-f]{40,64})$/.exec(revision)?.[1];
}
