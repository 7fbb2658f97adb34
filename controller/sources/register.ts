import { type GitRepository, gitRepositoryResource } from '../api/git-repository.ts';
import { ObjectApi } from '../kube/objects.ts';
import { createSourceMetrics } from '../observability/source-metrics.ts';
import type { Controller } from '../runtime/controller.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import { GitRepositoryReconciler } from './git-repository-reconciler.ts';
import type { GitSource } from './git-source.ts';

/** The GitRepository controller. Only its own objects wake it (and push webhooks, by key). */
export function gitRepositoryController(
  deps: ControllerWiring & { source: GitSource },
): Controller<GitRepository> {
  const repositories = deps.informers.for<GitRepository>(gitRepositoryResource);
  const reconciler = new GitRepositoryReconciler({
    api: new ObjectApi(deps.client),
    source: deps.source,
    events: deps.events,
    metrics: createSourceMetrics(deps.metrics.registry),
    repositories,
  });
  return wireController(deps, repositories, reconciler);
}
