// Provider and Alert: where notifications go and which events are sent. Mirror
// crds/providers.sluice.dev.yaml and crds/alerts.sluice.dev.yaml, which follow Flux
// notification.toolkit.fluxcd.io/v1beta3.

import type {
  CommonStatus,
  Duration,
  LocalObjectReference,
  ReconcileRequestStatus,
  SluiceObject,
  SluiceResourceType,
} from './meta.ts';
import { GROUP, VERSION } from './meta.ts';

export const providerResource = {
  group: GROUP,
  version: VERSION,
  kind: 'Provider',
  plural: 'providers',
  singular: 'provider',
  namespaced: true,
  shortNames: ['prov'],
} as const satisfies SluiceResourceType;

export const alertResource = {
  group: GROUP,
  version: VERSION,
  kind: 'Alert',
  plural: 'alerts',
  singular: 'alert',
  namespaced: true,
  shortNames: ['alrt'],
} as const satisfies SluiceResourceType;

export const PROVIDER_TYPES = [
  'generic',
  'generic-hmac',
  'slack',
  'msteams',
  'discord',
  'github',
  'gitlab',
  'alertmanager',
] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const EVENT_SEVERITIES = ['info', 'error'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

export const EVENT_SOURCE_KINDS = [
  'GitRepository',
  'Application',
  'Rollout',
  'AnalysisRun',
  'HelmRepository',
  'Experiment',
  '*',
] as const;
type EventSourceKind = (typeof EVENT_SOURCE_KINDS)[number];

/** Values the controller assumes when a field is unset. */
export const PROVIDER_DEFAULTS = { timeout: '20s' } as const;

interface ProviderSpec {
  type: ProviderType;
  /** The webhook URL, the API base or repository URL (github, gitlab), or Alertmanager's address. */
  address?: string;
  channel?: string;
  username?: string;
  /** Keys `address`, `token` and `headers` (a YAML map), as Flux reads them. */
  secretRef?: LocalObjectReference;
  timeout?: Duration;
  suspend?: boolean;
}

export type ProviderStatus = CommonStatus & ReconcileRequestStatus;

export type Provider = SluiceObject<'Provider', ProviderSpec, ProviderStatus>;

export interface EventSource {
  kind: EventSourceKind;
  /** An object name, or `*` for every object of the kind. */
  name: string;
  namespace?: string;
  matchLabels?: Record<string, string>;
}

interface AlertSpec {
  providerRef: LocalObjectReference;
  eventSeverity?: EventSeverity;
  eventSources: EventSource[];
  /** Regular expressions (RE2); an event is sent only when its message matches one of them. */
  inclusionList?: string[];
  /** Regular expressions (RE2); an event whose message matches one of them is not sent. */
  exclusionList?: string[];
  summary?: string;
  eventMetadata?: Record<string, string>;
  suspend?: boolean;
}

/** One delivered (or given up) event, by the Kubernetes Event's time and name. */
export interface DeliveryCursor {
  eventTime: string;
  eventName: string;
}

export interface AlertStatus extends CommonStatus, ReconcileRequestStatus {
  /**
   * The latest events sent or given up on (at most 50, oldest first); with a full list,
   * anything older is done too. A restarted controller sends the Events this lacks.
   */
  delivered?: DeliveryCursor[];
  /** The latest of `delivered`, for people. */
  lastDelivered?: DeliveryCursor;
  /** Why the last notification given up on was not delivered. */
  lastFailure?: string;
}

export type Alert = SluiceObject<'Alert', AlertSpec, AlertStatus>;
