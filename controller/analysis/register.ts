import { type AnalysisRun, analysisRunResource } from '../api/analysis.ts';
import { ObjectApi } from '../kube/objects.ts';
import { createAnalysisMetrics } from '../observability/analysis-metrics.ts';
import type { Controller } from '../runtime/controller.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import { AnalysisRunReconciler } from './analysis-run-reconciler.ts';
import { createProviderRegistry } from './providers/registry.ts';

/** The AnalysisRun controller. Only its own objects wake it; a running run requeues itself. */
export function analysisRunController(deps: ControllerWiring): Controller<AnalysisRun> {
  const reconciler = new AnalysisRunReconciler({
    api: new ObjectApi(deps.client),
    events: deps.events,
    providers: createProviderRegistry(),
    metrics: createAnalysisMetrics(deps.metrics.registry),
  });
  return wireController(deps, deps.informers.for<AnalysisRun>(analysisRunResource), reconciler);
}
