// Wires the Rollout controller: its informers, the reconciler, and the watches that wake a
// Rollout when something it owns or points at changes.

import type { AnalysisRun } from '../api/analysis.ts';
import { analysisRunResource } from '../api/analysis.ts';
import { type Experiment, experimentResource } from '../api/experiment.ts';
import { type Rollout, rolloutResource } from '../api/rollout.ts';
import { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject, objectKey } from '../kube/resources.ts';
import type { Controller } from '../runtime/controller.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import { OWN_REPLICA_SETS } from './labels.ts';
import { RolloutMetrics } from './metrics.ts';
import { controllingRollout } from './owner.ts';
import type { ReplicaSet } from './replica-sets.ts';
import { RolloutReconciler } from './rollout-reconciler.ts';
import type { Service } from './services.ts';
import type { Deployment } from './workload-ref.ts';

export function rolloutController(deps: ControllerWiring): Controller<Rollout> {
  const rollouts = deps.informers.for<Rollout>(rolloutResource);
  const replicaSets = deps.informers.for<ReplicaSet>(core.replicaSets, OWN_REPLICA_SETS);
  const analysisRuns = deps.informers.for<AnalysisRun>(analysisRunResource);
  const services = deps.informers.for<Service>(core.services);
  const deployments = deps.informers.for<Deployment>(core.deployments);
  const experiments = deps.informers.for<Experiment>(experimentResource);
  const reconciler = new RolloutReconciler({
    api: new ObjectApi(deps.client),
    events: deps.events,
    rollouts,
    replicaSets,
    analysisRuns,
    services,
    deployments,
    experiments,
    metrics: new RolloutMetrics(deps.metrics.registry),
    tracer: deps.tracer,
  });
  // Operations (promote, abort, retry) are status patches: every change is a reason to look again.
  const controller = wireController(deps, rollouts, reconciler, { reconcileOnStatusChange: true });
  const wakeOwner = (obj: KubeObject) => {
    const owner = controllingRollout(obj);
    if (owner && obj.metadata.namespace) controller.enqueue(`${obj.metadata.namespace}/${owner.name}`);
  };
  for (const inf of [replicaSets, analysisRuns, experiments] as const) {
    inf.on('add', wakeOwner);
    inf.on('update', wakeOwner);
    inf.on('delete', wakeOwner);
  }
  // A Service a Rollout names may appear or be edited after it.
  const wakeUsers = (svc: KubeObject) => {
    for (const ro of rollouts.list()) {
      if (ro.metadata.namespace !== svc.metadata.namespace) continue;
      if (serviceNames(ro).includes(svc.metadata.name)) controller.enqueue(objectKey(ro));
    }
  };
  services.on('add', wakeUsers);
  services.on('update', wakeUsers);
  services.on('delete', wakeUsers);
  // And so may the Deployment a workloadRef names.
  const wakeWorkloadUsers = (dep: KubeObject) => {
    for (const ro of rollouts.list()) {
      if (
        ro.metadata.namespace === dep.metadata.namespace &&
        ro.spec.workloadRef?.name === dep.metadata.name
      ) {
        controller.enqueue(objectKey(ro));
      }
    }
  };
  deployments.on('add', wakeWorkloadUsers);
  deployments.on('update', wakeWorkloadUsers);
  deployments.on('delete', wakeWorkloadUsers);
  return controller;
}

function serviceNames(ro: Rollout): string[] {
  const c = ro.spec.strategy.canary;
  const b = ro.spec.strategy.blueGreen;
  return [c?.stableService, c?.canaryService, b?.activeService, b?.previewService].filter(
    (n): n is string => typeof n === 'string',
  );
}
