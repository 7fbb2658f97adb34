// The HTTP request each provider type gets for one event. Pure: the dispatcher sends what this
// returns. Shapes: Flux's event for generic and generic-hmac, each chat service's incoming
// webhook JSON, Alertmanager's v2 alerts API; commit statuses are in commit-status.ts.

import type { ProviderType } from '../api/notification.ts';
import { commitStatusRequest } from './commit-status.ts';
import type { NotificationEvent } from './event.ts';
import { signBody } from './sign.ts';

/** A Provider with its Secret read: what sending needs. */
export interface ProviderConfig {
  type: ProviderType;
  address: string;
  channel?: string | undefined;
  username?: string | undefined;
  token?: string | undefined;
  headers: Readonly<Record<string, string>>;
}

/** What the Alert adds to every event it sends. */
export interface AlertExtras {
  summary?: string | undefined;
  eventMetadata?: Readonly<Record<string, string>> | undefined;
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Why an event is not sent to a provider at all (not a failure: a commit status needs a commit). */
export interface Skipped {
  skipped: string;
}

/** Flux's metadata: the revision where known, the Alert's summary and eventMetadata. */
function eventMetadata(event: NotificationEvent, extras: AlertExtras): Record<string, string> {
  const metadata: Record<string, string> = { ...extras.eventMetadata };
  if (extras.summary) metadata.summary = extras.summary;
  if (event.source?.revision) metadata.revision = event.source.revision;
  return metadata;
}

/** Flux's event JSON (fluxcd/pkg/apis/event v1beta1 Event). */
function fluxEvent(event: NotificationEvent, extras: AlertExtras, now: Date): Record<string, unknown> {
  return {
    involvedObject: event.involvedObject,
    severity: event.severity,
    timestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    message: event.message,
    reason: event.reason,
    metadata: eventMetadata(event, extras),
    reportingController: event.reportingController,
    reportingInstance: event.reportingInstance,
  };
}

const objectName = (e: NotificationEvent) =>
  `${e.involvedObject.kind}/${e.involvedObject.namespace}.${e.involvedObject.name}`;

function chatBody(
  type: 'slack' | 'msteams' | 'discord',
  provider: ProviderConfig,
  event: NotificationEvent,
  extras: AlertExtras,
): Record<string, unknown> {
  const facts = Object.entries(eventMetadata(event, extras));
  const error = event.severity === 'error';
  if (type === 'slack') {
    return {
      ...(provider.channel ? { channel: provider.channel } : {}),
      username: provider.username ?? 'sluice',
      attachments: [
        {
          color: error ? 'danger' : 'good',
          author_name: objectName(event),
          title: event.reason,
          text: event.message,
          mrkdwn_in: ['text'],
          fields: facts.map(([title, value]) => ({ title, value, short: false })),
        },
      ],
    };
  }
  if (type === 'discord') {
    return {
      username: provider.username ?? 'sluice',
      embeds: [
        {
          title: `${objectName(event)}: ${event.reason}`,
          description: event.message,
          color: error ? 0xd73a49 : 0x28a745,
          fields: facts.map(([name, value]) => ({ name, value })),
        },
      ],
    };
  }
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: error ? 'FF0000' : '0076D7',
    summary: objectName(event),
    sections: [
      {
        activityTitle: `${event.severity} ${objectName(event)}`,
        activitySubtitle: event.message,
        facts: facts.map(([name, value]) => ({ name, value })),
      },
    ],
  };
}

function alertmanagerUrl(address: string): string {
  const base = address.replace(/\/+$/, '');
  return base.endsWith('/api/v2/alerts') ? base : `${base}/api/v2/alerts`;
}

/** Alertmanager's labels name the alert; annotations carry the text (Flux's alertmanager provider). */
function alertmanagerBody(event: NotificationEvent, extras: AlertExtras, now: Date): unknown[] {
  const obj = event.involvedObject;
  const metadata = eventMetadata(event, extras);
  return [
    {
      labels: {
        alertname: `Sluice${obj.kind}${event.reason}`,
        severity: event.severity,
        reason: event.reason,
        kind: obj.kind,
        name: obj.name,
        namespace: obj.namespace,
      },
      annotations: { message: event.message, ...metadata },
      startsAt: now.toISOString(),
    },
  ];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** The request for `provider`, or why this event is not one it takes. */
export function buildRequest(
  provider: ProviderConfig,
  event: NotificationEvent,
  extras: AlertExtras,
  now: Date,
): OutgoingRequest | Skipped {
  const headers: Record<string, string> = { ...JSON_HEADERS, ...provider.headers };
  switch (provider.type) {
    case 'generic':
    case 'generic-hmac': {
      const body = JSON.stringify(fluxEvent(event, extras, now));
      if (provider.type === 'generic-hmac') headers['x-signature'] = signBody(provider.token ?? '', body);
      return { url: provider.address, headers, body };
    }
    case 'slack':
    case 'msteams':
    case 'discord':
      return {
        url: provider.address,
        headers,
        body: JSON.stringify(chatBody(provider.type, provider, event, extras)),
      };
    case 'alertmanager':
      if (provider.token) headers.authorization = `Bearer ${provider.token}`;
      return {
        url: alertmanagerUrl(provider.address),
        headers,
        body: JSON.stringify(alertmanagerBody(event, extras, now)),
      };
    case 'github':
    case 'gitlab':
      return commitStatusRequest(provider.type, provider, event, headers);
  }
}
