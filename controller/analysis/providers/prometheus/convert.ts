// Turns the `data` of a successful Prometheus answer into what conditions see as `result`,
// the way Argo Rollouts does:
//   vector → number[] (one entry per series, Prometheus' order; empty when no series)
//   scalar → number
//   string → string
//   matrix → number[]: every sample of every series, series after series (Argo flattens range
//            results so `all(result, # < 1000)` checks each point)
// Sample values are strings on the wire; `NaN`, `+Inf` and `-Inf` become NaN / ±Infinity.
// `text` keeps Prometheus' own spelling of each sample, as Argo's stored value does.

import { ProviderBadResponseError } from '../provider-errors.ts';

export const PROMETHEUS = 'Prometheus';

interface ConvertedResult {
  value: number | number[] | string;
  text: string;
  resultType: 'vector' | 'scalar' | 'string' | 'matrix';
  /** Series in a vector or matrix; undefined for scalar and string. */
  seriesCount: number | undefined;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one sample value as Prometheus writes it (Go float formatting). */
export function parseSampleValue(raw: unknown): number {
  if (typeof raw !== 'string') throw malformed(`sample value ${describe(raw)} is not a string`);
  switch (raw) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  if (!NUMBER.test(raw)) throw malformed(`sample value ${describe(raw)} is not a number`);
  return Number(raw);
}

export function convertResult(resultType: unknown, result: unknown): ConvertedResult {
  switch (resultType) {
    case 'vector':
      return convertVector(result);
    case 'scalar': {
      const raw = samplePairValue(result, 'scalar result');
      return { value: parseSampleValue(raw), text: String(raw), resultType, seriesCount: undefined };
    }
    case 'string': {
      const raw = samplePairValue(result, 'string result');
      if (typeof raw !== 'string') throw malformed('string result does not hold a string');
      return { value: raw, text: raw, resultType, seriesCount: undefined };
    }
    case 'matrix':
      return convertMatrix(result);
    default:
      throw new ProviderBadResponseError(
        PROMETHEUS,
        `Prometheus returned result type ${describe(resultType)}, which is not supported (expected vector, scalar, matrix or string)`,
        'unknown-result-type',
        undefined,
      );
  }
}

function convertVector(result: unknown): ConvertedResult {
  if (!Array.isArray(result)) throw malformed('vector result is not an array');
  const values: number[] = [];
  const raws: string[] = [];
  for (const [index, sample] of result.entries()) {
    if (!isRecord(sample)) throw malformed(`vector sample ${index} is not an object`);
    if (sample.value === undefined && sample.histogram !== undefined) {
      throw malformed(
        'native histogram samples are not supported; query a float series (e.g. histogram_quantile)',
      );
    }
    const raw = samplePairValue(sample.value, `vector sample ${index}`);
    values.push(parseSampleValue(raw));
    raws.push(String(raw));
  }
  return { value: values, text: `[${raws.join(',')}]`, resultType: 'vector', seriesCount: result.length };
}

function convertMatrix(result: unknown): ConvertedResult {
  if (!Array.isArray(result)) throw malformed('matrix result is not an array');
  const values: number[] = [];
  const raws: string[] = [];
  for (const [index, series] of result.entries()) {
    if (!isRecord(series)) throw malformed(`matrix series ${index} is not an object`);
    if (series.values === undefined && series.histograms !== undefined) {
      throw malformed(
        'native histogram samples are not supported; query a float series (e.g. histogram_quantile)',
      );
    }
    if (!Array.isArray(series.values)) throw malformed(`matrix series ${index} has no values array`);
    for (const pair of series.values) {
      const raw = samplePairValue(pair, `matrix series ${index}`);
      values.push(parseSampleValue(raw));
      raws.push(String(raw));
    }
  }
  return { value: values, text: `[${raws.join(',')}]`, resultType: 'matrix', seriesCount: result.length };
}

/** A sample on the wire is `[<unix seconds>, "<value>"]`. */
function samplePairValue(pair: unknown, what: string): unknown {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number') {
    throw malformed(`${what} is not a [timestamp, value] pair`);
  }
  return pair[1];
}

function malformed(detail: string): ProviderBadResponseError {
  return new ProviderBadResponseError(
    PROMETHEUS,
    `Prometheus answer is malformed: ${detail}`,
    'unexpected-shape',
    undefined,
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return typeof value;
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}
