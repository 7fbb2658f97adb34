import { AnalysisRunReconciler } from './analysis/analysis-run-reconciler.ts';
import { createProviderRegistry } from './analysis/providers/registry.ts';
import { type AnalysisRun, analysisRunResource } from './api/analysis.ts';
import { type GitRepository, gitRepositoryResource } from './api/git-repository.ts';
import { applicationController } from './apps/register.ts';
import type { ControllerConfig } from './config.ts';
import type { KubeClient } from './kube/client.ts';
import { ObjectApi } from './kube/objects.ts';
import type { KubeObject } from './kube/resources.ts';
import { createAnalysisMetrics } from './observability/analysis-metrics.ts';
import type { Logger } from './observability/logger.ts';
import type { ControllerMetrics } from './observability/metrics.ts';
import { createSourceMetrics } from './observability/source-metrics.ts';
import { rolloutController } from './rollouts/register.ts';
import { Controller } from './runtime/controller.ts';
import type { EventRecorder } from './runtime/events.ts';
import type { InformerFactory } from './runtime/informers.ts';
import { GitCache } from './sources/git/git-cache.ts';
import { GitRepositoryReconciler } from './sources/git-repository-reconciler.ts';
import { GitSource } from './sources/git-source.ts';
import type { PushTracker } from './webhooks/push-tracker.ts';

export interface ControllerDeps {
  client: KubeClient;
  informers: InformerFactory;
  events: EventRecorder;
  log: Logger;
  metrics: ControllerMetrics;
  config: ControllerConfig;
  pushes: PushTracker;
}

/** Every controller the manager runs. Each one registers the informers it needs. */
export function registerControllers(deps: ControllerDeps): Controller<KubeObject>[] {
  const api = new ObjectApi(deps.client);
  const gitSource = new GitSource(
    api,
    new GitCache(deps.config.cacheDir, { maxArtifactBytes: deps.config.maxArtifactBytes }),
  );
  const sourceMetrics = createSourceMetrics(deps.metrics.registry);
  const controllers: Controller<KubeObject>[] = [];
  const add = <T extends KubeObject>(c: Controller<T>): Controller<T> => {
    controllers.push(c as unknown as Controller<KubeObject>);
    return c;
  };
  const common = { log: deps.log, metrics: deps.metrics, concurrency: deps.config.concurrency };

  add(
    new Controller<GitRepository>({
      ...common,
      informer: deps.informers.for<GitRepository>(gitRepositoryResource),
      reconciler: new GitRepositoryReconciler({
        api,
        source: gitSource,
        events: deps.events,
        metrics: sourceMetrics,
      }),
    }),
  );

  add(
    applicationController({
      ...common,
      client: deps.client,
      informers: deps.informers,
      events: deps.events,
      source: gitSource,
      pushes: deps.pushes,
      kustomize: deps.config.kustomize,
      defaultServiceAccount: deps.config.defaultServiceAccount,
    }),
  );

  add(
    new Controller<AnalysisRun>({
      ...common,
      informer: deps.informers.for<AnalysisRun>(analysisRunResource),
      reconciler: new AnalysisRunReconciler({
        api,
        events: deps.events,
        providers: createProviderRegistry(),
        metrics: createAnalysisMetrics(deps.metrics.registry),
      }),
    }),
  );

  add(rolloutController({ ...common, client: deps.client, informers: deps.informers, events: deps.events }));

  return controllers;
}
