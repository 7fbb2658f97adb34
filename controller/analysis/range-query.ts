// Turns a Prometheus metric's `rangeQuery` into times. Argo Rollouts evaluates `start` and `end`
// as expr date expressions; templates use a handful of forms, which are accepted here:
//
//   now()                            now() - duration("5m")      now() - 5m
//   2025-01-02T03:04:05Z (RFC 3339)  1735787045 (Unix seconds)
//
// `end` defaults to now(); `step` is seconds or a Prometheus duration (`30s`, `1m`), 1m when unset.

import type { PrometheusRangeQuery } from '../api/analysis.ts';
import { DurationParseError, parseDuration } from '../runtime/duration.ts';
import type { ResolvedRange } from './providers/provider.ts';

const DEFAULT_RANGE_STEP = '1m';

/** A rangeQuery field that cannot be understood; the template must be fixed. */
export class RangeQueryError extends Error {
  override readonly name = 'RangeQueryError';
}

const NOW_OFFSET = /^now\(\s*\)\s*(?:([+-])\s*(?:duration\(\s*(["'])([^"']*)\2\s*\)|([0-9][0-9.a-zµμ]*)))?$/;

function parseTime(field: string, text: string, now: Date): Date {
  const source = text.trim();
  const relative = NOW_OFFSET.exec(source);
  if (relative !== null) {
    const [, sign, , quoted, bare] = relative;
    if (sign === undefined) return new Date(now.getTime());
    const offset = quoted ?? bare ?? '';
    let ms: number;
    try {
      ms = parseDuration(offset);
    } catch (error) {
      if (!(error instanceof DurationParseError)) throw error;
      throw new RangeQueryError(`rangeQuery.${field}: ${error.message}`, { cause: error });
    }
    return new Date(now.getTime() + (sign === '-' ? -ms : ms));
  }
  if (/^\d+(\.\d+)?$/.test(source)) return new Date(Number(source) * 1000);
  const parsed = Date.parse(source);
  if (/^\d{4}-\d{2}-\d{2}T/.test(source) && !Number.isNaN(parsed)) return new Date(parsed);
  throw new RangeQueryError(
    `rangeQuery.${field} ${JSON.stringify(source)} is not understood; use now(), now() - duration("5m"), an RFC 3339 time or Unix seconds`,
  );
}

/** Throws `RangeQueryError`. */
export function resolveRange(range: PrometheusRangeQuery, now: Date): ResolvedRange {
  if (range.start === undefined || range.start.trim() === '') {
    throw new RangeQueryError('rangeQuery.start is not set; for example now() - duration("5m")');
  }
  const end = range.end === undefined || range.end.trim() === '' ? now : parseTime('end', range.end, now);
  const start = parseTime('start', range.start, now);
  if (start.getTime() > end.getTime()) throw new RangeQueryError('rangeQuery.start is after rangeQuery.end');
  const rawStep = range.step?.trim() || DEFAULT_RANGE_STEP;
  const step = /^\d+(\.\d+)?$/.test(rawStep) ? Number(rawStep) : rawStep;
  return { start, end, step };
}
