import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AppMetrics {
  syncs: Counter<'result'>;
  syncDuration: Histogram<'result'>;
  applied: Counter;
  pruned: Counter;
  state: Gauge<'namespace' | 'name' | 'sync' | 'health'>;
  pushToApplied: Histogram;
  helmRenders: Counter<'cached'>;
}

export function createAppMetrics(registry: Registry): AppMetrics {
  const metrics: AppMetrics = {
    syncs: new Counter({
      name: 'sluice_sync_total',
      help: 'Application syncs (new revision, drift correction), by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    syncDuration: new Histogram({
      name: 'sluice_sync_duration_seconds',
      help: 'Time from render to applied and pruned, by result.',
      labelNames: ['result'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    applied: new Counter({
      name: 'sluice_objects_applied_total',
      help: 'Objects applied by server-side apply.',
      registers: [registry],
    }),
    pruned: new Counter({
      name: 'sluice_objects_pruned_total',
      help: 'Objects deleted because they left git.',
      registers: [registry],
    }),
    state: new Gauge({
      name: 'sluice_application_info',
      help: 'One per Application, labelled with its sync and health state.',
      labelNames: ['namespace', 'name', 'sync', 'health'] as const,
      registers: [registry],
    }),
    pushToApplied: new Histogram({
      name: 'sluice_push_to_applied_seconds',
      help: 'From a verified push webhook to the new revision applied.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    helmRenders: new Counter({
      name: 'sluice_helm_renders_total',
      help: 'Charts rendered: cached="false" ran helm template, "true" was answered from the render cache.',
      labelNames: ['cached'] as const,
      registers: [registry],
    }),
  };
  // Both series exist from the start, at zero: a dashboard's rate shows 0 renders rather than
  // no data on a controller whose Applications hold no chart.
  for (const cached of ['true', 'false']) metrics.helmRenders.inc({ cached }, 0);
  return metrics;
}
