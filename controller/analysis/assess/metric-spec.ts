// A metric's numbers with Argo Rollouts' defaults and validation: int-or-string limits, the
// effective count (no count and no interval means one measurement), and parsed durations.

import { DurationParseError, parseDuration } from '../../runtime/duration.ts';
import type { IntOrString, MetricSpec } from './types.ts';

/** Argo's default for `consecutiveErrorLimit`. */
export const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
/** Argo's wait before measuring again after an error. */
export const ERROR_RETRY_INTERVAL_MS = 10_000;

/** An analysis spec that cannot be run as written: a person must fix the template. */
export class AnalysisSpecError extends Error {
  override readonly name: string = 'AnalysisSpecError';
}

export class MetricSpecError extends AnalysisSpecError {
  override readonly name = 'MetricSpecError';
  readonly metric: string;

  constructor(metric: string, message: string, options?: ErrorOptions) {
    super(`metric ${JSON.stringify(metric)}: ${message}`, options);
    this.metric = metric;
  }
}

export interface ResolvedMetric {
  name: string;
  /** Measurements to take; undefined when the metric runs until the run ends. */
  count: number | undefined;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  intervalMs: number | undefined;
  initialDelayMs: number | undefined;
}

function intOrString(metric: string, field: string, value: IntOrString | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number =
    typeof value === 'number' ? value : /^[+-]?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw new MetricSpecError(metric, `${field} ${JSON.stringify(value)} is not an integer`);
  }
  if (number < 0) throw new MetricSpecError(metric, `${field} must be >= 0`);
  return number;
}

function duration(metric: string, field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const ms = parseDuration(value);
    if (ms < 0) throw new MetricSpecError(metric, `${field} must not be negative`);
    return ms;
  } catch (error) {
    if (!(error instanceof DurationParseError)) throw error;
    throw new MetricSpecError(metric, `invalid ${field}: ${error.message}`, { cause: error });
  }
}

/** Parses and checks a metric's numbers as Argo's ValidateMetric does; throws `MetricSpecError`. */
export function resolveMetric(metric: MetricSpec): ResolvedMetric {
  const { name } = metric;
  const count = intOrString(name, 'count', metric.count);
  const failureLimit = intOrString(name, 'failureLimit', metric.failureLimit) ?? 0;
  const inconclusiveLimit = intOrString(name, 'inconclusiveLimit', metric.inconclusiveLimit) ?? 0;
  const consecutiveErrorLimit =
    intOrString(name, 'consecutiveErrorLimit', metric.consecutiveErrorLimit) ??
    DEFAULT_CONSECUTIVE_ERROR_LIMIT;
  const intervalMs = duration(name, 'interval', metric.interval);
  const initialDelayMs = duration(name, 'initialDelay', metric.initialDelay);
  if (count !== undefined && count > 0) {
    if (count < failureLimit) throw new MetricSpecError(name, 'count must be >= failureLimit');
    if (count < inconclusiveLimit) throw new MetricSpecError(name, 'count must be >= inconclusiveLimit');
  }
  if (count !== undefined && count > 1 && intervalMs === undefined) {
    throw new MetricSpecError(name, 'interval must be specified when count > 1');
  }
  // Argo's EffectiveCount: a count of 0 counts as unset.
  const effectiveCount =
    count === undefined || count === 0 ? (intervalMs === undefined ? 1 : undefined) : count;
  return {
    name,
    count: effectiveCount,
    failureLimit,
    inconclusiveLimit,
    consecutiveErrorLimit,
    intervalMs,
    initialDelayMs,
  };
}

export function toMillis(time: string | Date, what: string): number {
  const ms = typeof time === 'string' ? Date.parse(time) : time.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${what} ${JSON.stringify(String(time))} is not a valid time`);
  return ms;
}
