import type { AnalysisRun } from '../api/analysis.ts';
import { analysisRunResource } from '../api/analysis.ts';
import { type Experiment, experimentResource } from '../api/experiment.ts';
import { rolloutResource } from '../api/rollout.ts';
import { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { OWN_REPLICA_SETS } from '../rollouts/labels.ts';
import type { ReplicaSet } from '../rollouts/replica-sets.ts';
import type { Controller } from '../runtime/controller.ts';
import { ownerShard } from '../runtime/shard.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import { ExperimentReconciler } from './experiment-reconciler.ts';

/** The Experiment controller: its ReplicaSets and AnalysisRuns changing wake it. */
export function experimentController(deps: ControllerWiring): Controller<Experiment> {
  const experiments = deps.informers.for<Experiment>(experimentResource);
  const replicaSets = deps.informers.for<ReplicaSet>(core.replicaSets, OWN_REPLICA_SETS);
  const analysisRuns = deps.informers.for<AnalysisRun>(analysisRunResource);
  const reconciler = new ExperimentReconciler({
    api: new ObjectApi(deps.client),
    events: deps.events,
    replicaSets,
    analysisRuns,
  });
  let wake: Controller<Experiment> | undefined;
  // Under --watch-label-selector a Rollout's Experiments are reconciled by its shard.
  const inShard = ownerShard(deps.informers, [rolloutResource], experiments, (key) => wake?.enqueue(key));
  const controller = wireController(deps, experiments, reconciler, { inShard });
  wake = controller;
  const wakeOwner = (obj: KubeObject) => {
    const owner = obj.metadata.ownerReferences?.find(
      (ref) =>
        ref.controller && ref.kind === experimentResource.kind && ref.apiVersion.startsWith('sluice.dev/'),
    );
    if (owner && obj.metadata.namespace) controller.enqueue(`${obj.metadata.namespace}/${owner.name}`);
  };
  for (const inf of [replicaSets, analysisRuns] as const) {
    inf.on('add', wakeOwner);
    inf.on('update', wakeOwner);
    inf.on('delete', wakeOwner);
  }
  return controller;
}
