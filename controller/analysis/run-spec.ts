// Checks an analysis spec before anything is measured, and prepares its metrics: arguments
// substituted, numbers resolved with Argo's defaults, conditions compiled, dry-run and retention
// rules matched. The AnalysisRun controller runs it on every reconcile and create-run.ts runs it
// when a Rollout uses a template, so a broken template is refused with the same message either
// way: which metric, which field, and for a condition the line and column.

import type { AnalysisRunSpec, Metric } from '../api/analysis.ts';
import { type RunArguments, referencedArgs, referencedArgsIn, runArguments, substituteArgs } from './args.ts';
import {
  AnalysisSpecError,
  DEFAULT_MEASUREMENT_RETENTION,
  MetricSpecError,
  matchMetricNames,
  type ResolvedMetric,
  resolveMetric,
  retentionLimits,
} from './assess/index.ts';
import { compile, ExpressionSyntaxError } from './expression/index.ts';
import { ProviderConfigError } from './providers/provider-errors.ts';
import { providerKeyOf } from './providers/registry.ts';
import { RangeQueryError, resolveRange } from './range-query.ts';

export interface PreparedMetric {
  /** The metric with every literal argument substituted; Secret arguments are still placeholders. */
  metric: Metric;
  resolved: ResolvedMetric;
  dryRun: boolean;
  /** How many measurements status keeps. */
  retention: number;
  /** Secret-backed arguments the metric refers to: read each time it is measured. */
  secretArgs: string[];
}

export interface PreparedRun {
  metrics: PreparedMetric[];
  dryRunNames: ReadonlySet<string>;
  args: RunArguments;
}

type RunSpecInput = Pick<AnalysisRunSpec, 'metrics' | 'args' | 'dryRun' | 'measurementRetention'>;

const CONDITIONS = ['successCondition', 'failureCondition'] as const;

/** Throws `AnalysisSpecError` (or its subclasses `MetricSpecError`, `ArgumentError`). */
export function prepareRun(spec: RunSpecInput): PreparedRun {
  const args = runArguments(spec.args);
  const metrics = spec.metrics ?? [];
  if (metrics.length === 0) throw new AnalysisSpecError('the analysis has no metrics');
  const names: string[] = [];
  for (const metric of metrics) {
    if (names.includes(metric.name)) throw new AnalysisSpecError(`two metrics are named "${metric.name}"`);
    names.push(metric.name);
  }
  const dryRunNames = matchMetricNames(spec.dryRun ?? [], names, 'dryRun');
  const retention = retentionLimits(spec.measurementRetention ?? [], names);
  const pending = new Set(args.secrets.keys());
  const prepared = metrics.map((raw): PreparedMetric => {
    const metric = substituteArgs(raw, args.values, {
      pending,
      skipKeys: ['name'],
      subject: `metric "${raw.name}"`,
    });
    checkProvider(metric);
    const resolved = resolveMetric(metric);
    checkConditions(metric);
    checkRangeQuery(metric);
    return {
      metric,
      resolved,
      dryRun: dryRunNames.has(metric.name),
      retention: retention.get(metric.name) ?? DEFAULT_MEASUREMENT_RETENTION,
      secretArgs: [...referencedArgsIn(metric)].filter((name) => pending.has(name)),
    };
  });
  return { metrics: prepared, dryRunNames, args };
}

function checkProvider(metric: Metric): void {
  try {
    providerKeyOf({ ...metric.provider });
  } catch (error) {
    if (error instanceof ProviderConfigError) {
      throw new MetricSpecError(metric.name, error.message, { cause: error });
    }
    throw error;
  }
}

function checkRangeQuery(metric: Metric): void {
  const rangeQuery = metric.provider.prometheus?.rangeQuery;
  if (rangeQuery === undefined || referencedArgsIn(rangeQuery).size > 0) return;
  try {
    resolveRange(rangeQuery, new Date());
  } catch (error) {
    if (error instanceof RangeQueryError)
      throw new MetricSpecError(metric.name, error.message, { cause: error });
    throw error;
  }
}

/**
 * Compiles the metric's conditions; throws `MetricSpecError` naming the field and the position.
 * A condition that still holds a placeholder (a Secret argument, read only when measuring) is
 * checked once it has been substituted.
 */
export function checkConditions(
  metric: Pick<Metric, 'name' | 'successCondition' | 'failureCondition'>,
): void {
  for (const field of CONDITIONS) {
    const source = metric[field];
    if (source === undefined || source.trim() === '' || referencedArgs(source).length > 0) continue;
    try {
      compile(source);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      throw new MetricSpecError(metric.name, `invalid ${field}: ${error.summary}`, { cause: error });
    }
  }
}
