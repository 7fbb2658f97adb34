// Trimming of old measurements (`measurementRetention`, default 10 per metric) and the metric-name
// rules that `dryRun` and `measurementRetention` use: Go regular expressions matched anywhere in
// the name, where a rule that matches no metric is an error, as in Argo Rollouts.

import { compileRegex, RegexSyntaxError, regexMatches } from '../expression/regex.ts';
import { AnalysisSpecError } from './metric-spec.ts';
import type { MeasurementRecord } from './types.ts';

/** Argo's DefaultMeasurementHistoryLimit. */
export const DEFAULT_MEASUREMENT_RETENTION = 10;

/** The last `limit` measurements; a limit that is not a positive integer means the default, as in Argo. */
export function trimMeasurements<T extends MeasurementRecord>(
  measurements: readonly T[],
  limit: number = DEFAULT_MEASUREMENT_RETENTION,
): T[] {
  const keep = Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_MEASUREMENT_RETENTION;
  return measurements.slice(Math.max(0, measurements.length - keep));
}

interface MetricNameRule {
  /** A Go regular expression matched anywhere in the metric name, e.g. `.*` or `error-rate`. */
  metricName: string;
}

interface MeasurementRetentionRule extends MetricNameRule {
  limit: number;
}

/** Names matched by `dryRun` (or other `metricName`) rules; throws `AnalysisSpecError`. */
export function matchMetricNames(
  rules: readonly MetricNameRule[],
  metricNames: readonly string[],
  field = 'dryRun',
): Set<string> {
  const matched = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    let regex: ReturnType<typeof compileRegex>;
    try {
      regex = compileRegex(rule.metricName);
    } catch (error) {
      if (!(error instanceof RegexSyntaxError)) throw error;
      throw new AnalysisSpecError(`${field}[${i}]: invalid metricName pattern: ${error.message}`, {
        cause: error,
      });
    }
    const names = metricNames.filter((name) => regexMatches(regex, name, () => {}));
    if (names.length === 0)
      throw new AnalysisSpecError(`${field}[${i}]: rule didn't match any metric name(s)`);
    for (const name of names) matched.add(name);
  }
  return matched;
}

/** How many measurements to keep for each metric under `measurementRetention` rules. */
export function retentionLimits(
  rules: readonly MeasurementRetentionRule[],
  metricNames: readonly string[],
): Map<string, number> {
  const limits = new Map(metricNames.map((name) => [name, DEFAULT_MEASUREMENT_RETENTION]));
  const matches = rules.map((rule) => matchMetricNames([rule], metricNames, 'measurementRetention'));
  for (const [i, rule] of rules.entries()) {
    if (!Number.isInteger(rule.limit) || rule.limit <= 0) continue;
    for (const name of matches[i] ?? []) limits.set(name, rule.limit);
  }
  return limits;
}
