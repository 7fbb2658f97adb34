import { type AnalysisRun, analysisRunResource } from '../api/analysis.ts';
import { experimentResource } from '../api/experiment.ts';
import { rolloutResource } from '../api/rollout.ts';
import { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { createAnalysisMetrics } from '../observability/analysis-metrics.ts';
import type { Controller } from '../runtime/controller.ts';
import { ownerShard } from '../runtime/shard.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import { AnalysisRunReconciler } from './analysis-run-reconciler.ts';
import { JOB_RUN_UID_LABEL } from './providers/job/job-manifest.ts';
import { createProviderRegistry } from './providers/registry.ts';

/** The AnalysisRun controller. Only its own objects wake it; a running run requeues itself. */
export function analysisRunController(deps: ControllerWiring): Controller<AnalysisRun> {
  const api = new ObjectApi(deps.client);
  const reconciler = new AnalysisRunReconciler({
    api,
    events: deps.events,
    providers: createProviderRegistry({ api }),
    metrics: createAnalysisMetrics(deps.metrics.registry),
    tracer: deps.tracer,
  });
  const runs = deps.informers.for<AnalysisRun>(analysisRunResource);
  let wake: Controller<AnalysisRun> | undefined;
  // Under --watch-label-selector a Rollout's or Experiment's runs are reconciled by its shard.
  const inShard = ownerShard(deps.informers, [rolloutResource, experimentResource], runs, (key) =>
    wake?.enqueue(key),
  );
  const controller = wireController(deps, runs, reconciler, { inShard });
  wake = controller;
  // A job metric's measurement ends when its Job does: the Job's change wakes the run.
  // Only the provider's Jobs are cached, not every Job of the cluster.
  const jobs = deps.informers.for<KubeObject>(core.jobs, { labelSelector: JOB_RUN_UID_LABEL });
  const wakeRun = (job: KubeObject) => {
    const owner = job.metadata.ownerReferences?.find(
      (ref) =>
        ref.controller && ref.kind === analysisRunResource.kind && ref.apiVersion.startsWith('sluice.dev/'),
    );
    if (owner && job.metadata.namespace) controller.enqueue(`${job.metadata.namespace}/${owner.name}`);
  };
  jobs.on('update', wakeRun);
  jobs.on('delete', wakeRun);
  return controller;
}
