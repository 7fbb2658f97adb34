import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Analysis metric families. Labels are bounded by what people write (namespaces and metric names
 * of templates) and by the phase enum: never a run name, a pod-template hash or a measured value.
 */
export interface AnalysisMetrics {
  metricValue: Gauge<'namespace' | 'metric'>;
  measurements: Counter<'namespace' | 'metric' | 'phase'>;
  runs: Counter<'namespace' | 'phase'>;
}

export function createAnalysisMetrics(registry: Registry): AnalysisMetrics {
  return {
    metricValue: new Gauge({
      name: 'sluice_analysis_metric_value',
      help: 'Last value measured for an analysis metric, when the result was a single number.',
      labelNames: ['namespace', 'metric'] as const,
      registers: [registry],
    }),
    measurements: new Counter({
      name: 'sluice_analysis_measurements_total',
      help: 'Analysis measurements taken, by metric and outcome (Successful, Failed, Inconclusive, Error).',
      labelNames: ['namespace', 'metric', 'phase'] as const,
      registers: [registry],
    }),
    runs: new Counter({
      name: 'sluice_analysis_runs_total',
      help: 'AnalysisRuns that finished, by final phase.',
      labelNames: ['namespace', 'phase'] as const,
      registers: [registry],
    }),
  };
}
