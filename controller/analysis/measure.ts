// Takes one measurement of one metric: reads the Secrets it needs, fills in the Secret-backed
// arguments, asks the provider (bounded by the metric's timeout) and judges the value with
// `assessMeasurement`. Anything the measurement could not get (a provider failure, a missing
// Secret) is an Error measurement, as in Argo Rollouts; a spec a person must fix is thrown as
// `AnalysisSpecError` so the whole run ends in Error. Secret values are scrubbed from everything
// the returned measurement carries.

import type { Measurement, Metric } from '../api/analysis.ts';
import type { SecretKeySelector } from '../api/meta.ts';
import { apiTimeMillis } from '../runtime/api-time.ts';
import { substituteArgs } from './args.ts';
import { AnalysisSpecError, assessMeasurement, MetricSpecError } from './assess/index.ts';
import type { RunRef } from './providers/job/job-manifest.ts';
import type { MeasureResult, MetricValue, ProviderCredentials, ResolvedRange } from './providers/provider.ts';
import { isProviderError } from './providers/provider-errors.ts';
import type { ProviderRegistry } from './providers/registry.ts';
import { RangeQueryError, resolveRange } from './range-query.ts';
import type { PreparedMetric } from './run-spec.ts';
import { checkConditions } from './run-spec.ts';
import { type SecretReader, SecretUnavailableError, scrub } from './secrets.ts';

/** Status stays small and readable even when a query returns thousands of series. */
const MAX_STORED_TEXT = 2048;
/** Beyond the provider's own timeout, in case a provider does not honour it. */
const TIMEOUT_GRACE_MS = 10_000;
const DEFAULT_TIMEOUT_SECONDS = 30;

interface MeasureContext {
  providers: ProviderRegistry;
  secrets: SecretReader;
  /** Secret-backed arguments of the run, by name. */
  secretArgs: ReadonlyMap<string, SecretKeySelector>;
  now: () => Date;
  run: RunRef;
}

/** Where the metric stands: its unfinished last measurement, and the number of the next one. */
export interface MetricProgress {
  inFlight: Measurement | undefined;
  measurementNumber: number;
}

export interface MeasurementOutcome {
  measurement: Measurement;
  /** The measured number, when the result is one number (for the value gauge). */
  numeric: number | undefined;
}

export async function measureMetric(
  prepared: PreparedMetric,
  ctx: MeasureContext,
  progress: MetricProgress,
): Promise<MeasurementOutcome> {
  const now = ctx.now();
  // A measurement in flight keeps the time it started.
  const startedAt = progress.inFlight?.startedAt === undefined ? now : new Date(progress.inFlight.startedAt);
  const failed = (message: string): MeasurementOutcome => ({
    measurement: {
      phase: 'Error',
      message: limit(scrub(message, ctx.secrets.values)),
      startedAt: apiTimeMillis(startedAt),
      finishedAt: apiTimeMillis(ctx.now()),
    },
    numeric: undefined,
  });

  let metric: Metric;
  let credentials: ProviderCredentials | undefined;
  try {
    metric = await withSecretArgs(prepared, ctx);
    credentials = await readCredentials(metric, ctx.secrets);
  } catch (error) {
    if (error instanceof SecretUnavailableError) return failed(error.message);
    throw error;
  }
  const range = rangeOf(metric, now);

  const timeoutSeconds =
    metric.provider.prometheus?.timeout ?? metric.provider.web?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  let result: MeasureResult;
  try {
    result = await ctx.providers.measure(
      {
        metricName: metric.name,
        provider: { ...metric.provider },
        ...(credentials === undefined ? {} : { credentials }),
        now,
        ...(range === undefined ? {} : { range }),
        run: ctx.run,
        measurementNumber: progress.measurementNumber,
        ...(progress.inFlight === undefined ? {} : { inFlight: progress.inFlight }),
      },
      AbortSignal.timeout(timeoutSeconds * 1000 + TIMEOUT_GRACE_MS),
    );
  } catch (error) {
    if (isProviderError(error)) return failed(error.message);
    throw error;
  }

  // A provider that decides the phase itself (job) is not judged by the metric's conditions.
  const verdict =
    result.phase === undefined
      ? assessMeasurement(result.value, metric)
      : { phase: result.phase, message: result.message ?? '' };
  const secrets = ctx.secrets.values;
  const measurement: Measurement = {
    phase: verdict.phase,
    value: limit(scrub(result.text, secrets)),
    startedAt: apiTimeMillis(startedAt),
  };
  if (verdict.phase === 'Running') {
    delete measurement.value;
    measurement.resumeAt = apiTimeMillis(new Date(ctx.now().getTime() + (result.resumeAfterMs ?? 0)));
  } else {
    measurement.finishedAt = apiTimeMillis(ctx.now());
  }
  if (verdict.phase !== 'Successful' && verdict.message !== '') {
    measurement.message = limit(scrub(verdict.message, secrets));
  }
  const metadata = Object.entries(result.metadata);
  if (metadata.length > 0) {
    measurement.metadata = Object.fromEntries(metadata.map(([k, v]) => [k, limit(scrub(v, secrets))]));
  }
  return { measurement, numeric: numericValue(result.value) };
}

/** The metric with its Secret-backed arguments filled in; its conditions are checked again. */
async function withSecretArgs(prepared: PreparedMetric, ctx: MeasureContext): Promise<Metric> {
  if (prepared.secretArgs.length === 0) return prepared.metric;
  const values = new Map<string, string>();
  for (const name of prepared.secretArgs) {
    const ref = ctx.secretArgs.get(name);
    if (ref === undefined) continue;
    try {
      values.set(name, await ctx.secrets.read(ref.name, ref.key));
    } catch (error) {
      if (error instanceof SecretUnavailableError) {
        throw new SecretUnavailableError(`argument "${name}": ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  const metric = substituteArgs(prepared.metric, values, {
    skipKeys: ['name'],
    subject: `metric "${prepared.metric.name}"`,
  });
  try {
    checkConditions(metric);
  } catch (error) {
    // The message may quote the condition, which now holds a Secret's value.
    if (error instanceof AnalysisSpecError)
      throw new AnalysisSpecError(scrub(error.message, ctx.secrets.values));
    throw error;
  }
  return metric;
}

async function readCredentials(
  metric: Metric,
  secrets: SecretReader,
): Promise<ProviderCredentials | undefined> {
  const auth = metric.provider.prometheus?.authentication;
  if (auth?.basic !== undefined) {
    const name = auth.basic.secretRef.name;
    return {
      kind: 'basic',
      username: await secrets.read(name, 'username'),
      password: await secrets.read(name, 'password'),
    };
  }
  if (auth?.bearer !== undefined) {
    const { name, key } = auth.bearer.secretRef;
    return { kind: 'bearer', token: await secrets.read(name, key ?? 'token') };
  }
  return undefined;
}

function rangeOf(metric: Metric, now: Date): ResolvedRange | undefined {
  const rangeQuery = metric.provider.prometheus?.rangeQuery;
  if (rangeQuery === undefined) return undefined;
  try {
    return resolveRange(rangeQuery, now);
  } catch (error) {
    if (error instanceof RangeQueryError)
      throw new MetricSpecError(metric.name, error.message, { cause: error });
    throw error;
  }
}

function numericValue(value: MetricValue): number | undefined {
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
  return typeof single === 'number' && !Number.isNaN(single) ? single : undefined;
}

function limit(text: string): string {
  return text.length <= MAX_STORED_TEXT ? text : `${text.slice(0, MAX_STORED_TEXT - 1)}…`;
}
