/**
 * Kubernetes MicroTime (Event times, Lease acquire/renew times): RFC 3339 with exactly
 * six fractional digits. The API server rejects the three digits `toISOString` gives.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * RFC 3339 with milliseconds, for AnalysisRun measurement and run times: metric intervals of a
 * second or two need them to be scheduled right.
 */
export function apiTimeMillis(d: Date): string {
  return d.toISOString();
}

/** Kubernetes Time (conditions, status timestamps): RFC 3339 to the second. */
export function apiTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
