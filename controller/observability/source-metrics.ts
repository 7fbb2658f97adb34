import { Counter, Histogram, type Registry } from 'prom-client';

export interface SourceMetrics {
  fetchDuration: Histogram<'result'>;
  fetchFailures: Counter<'reason'>;
}

export function createSourceMetrics(registry: Registry): SourceMetrics {
  return {
    fetchDuration: new Histogram({
      name: 'sluice_git_fetch_duration_seconds',
      help: 'Time to resolve and fetch a GitRepository, by result.',
      labelNames: ['result'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    fetchFailures: new Counter({
      name: 'sluice_git_fetch_failures_total',
      help: 'Failed GitRepository fetches, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
