// Which events an Alert sends, as Flux's notification-controller decides it: severity, then an
// event source that names the object, then the inclusion and exclusion lists over the message.

import { compileRegex, RegexSyntaxError } from '../analysis/expression/regex.ts';
import type { Alert, EventSource } from '../api/notification.ts';
import type { NotificationEvent } from './event.ts';

/** An Alert's filters, compiled once per Alert generation. */
export interface AlertFilter {
  namespace: string;
  severity: 'info' | 'error';
  sources: readonly EventSource[];
  include: readonly { test(subject: string): boolean }[];
  exclude: readonly { test(subject: string): boolean }[];
}

/** A field of the Alert that cannot be used, named by its path. */
export class AlertSpecError extends Error {
  override readonly name = 'AlertSpecError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

function compileList(field: string, patterns: readonly string[] | undefined) {
  return (patterns ?? []).map((pattern, i) => {
    try {
      return compileRegex(pattern).re;
    } catch (err) {
      if (err instanceof RegexSyntaxError) {
        throw new AlertSpecError(
          `${field}[${i}]`,
          `invalid regular expression ${JSON.stringify(pattern)}: ${err.message}`,
        );
      }
      throw err;
    }
  });
}

/** Compiles an Alert's filters; throws `AlertSpecError` naming the field that is wrong. */
export function compileAlert(alert: Alert): AlertFilter {
  return {
    namespace: alert.metadata.namespace ?? 'default',
    severity: alert.spec.eventSeverity ?? 'info',
    sources: alert.spec.eventSources,
    include: compileList('spec.inclusionList', alert.spec.inclusionList),
    exclude: compileList('spec.exclusionList', alert.spec.exclusionList),
  };
}

function sourceMatches(source: EventSource, alertNamespace: string, event: NotificationEvent): boolean {
  const obj = event.involvedObject;
  if (source.kind !== '*' && source.kind !== obj.kind) return false;
  if ((source.namespace ?? alertNamespace) !== obj.namespace) return false;
  if (source.name !== '*' && source.name !== obj.name) return false;
  return Object.entries(source.matchLabels ?? {}).every(([k, v]) => event.labels[k] === v);
}

/** Whether the Alert sends this event. */
export function alertMatches(filter: AlertFilter, event: NotificationEvent): boolean {
  // `info` asks for everything; `error` for errors only (Flux's eventSeverity).
  if (filter.severity === 'error' && event.severity !== 'error') return false;
  if (!filter.sources.some((s) => sourceMatches(s, filter.namespace, event))) return false;
  if (filter.include.length > 0 && !filter.include.some((re) => re.test(event.message))) return false;
  return !filter.exclude.some((re) => re.test(event.message));
}
