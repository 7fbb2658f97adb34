import { analysisRunController } from './analysis/register.ts';
import type { GitRepository } from './api/git-repository.ts';
import { applicationController } from './apps/register.ts';
import type { ControllerConfig } from './config.ts';
import { experimentController } from './experiments/register.ts';
import type { KubeClient } from './kube/client.ts';
import { ObjectApi } from './kube/objects.ts';
import type { KubeObject } from './kube/resources.ts';
import { notificationControllers } from './notifications/register.ts';
import type { Logger } from './observability/logger.ts';
import type { ControllerMetrics } from './observability/metrics.ts';
import type { CommitTracer } from './observability/tracing/commit-tracer.ts';
import { rolloutController } from './rollouts/register.ts';
import type { Controller } from './runtime/controller.ts';
import type { EventRecorder } from './runtime/events.ts';
import type { InformerFactory } from './runtime/informers.ts';
import { GitCache } from './sources/git/git-cache.ts';
import { GitSource } from './sources/git-source.ts';
import { HelmCharts } from './sources/helm-repository/helm-charts.ts';
import { helmRepositoryController } from './sources/helm-repository/register.ts';
import { gitRepositoryController } from './sources/register.ts';
import type { PushTracker } from './webhooks/push-tracker.ts';

export interface ControllerDeps {
  client: KubeClient;
  informers: InformerFactory;
  events: EventRecorder;
  log: Logger;
  metrics: ControllerMetrics;
  config: ControllerConfig;
  pushes: PushTracker;
  tracer?: CommitTracer;
}

interface Controllers {
  /** Every controller, for starting, pausing and draining them together. */
  all: Controller<KubeObject>[];
  /** The GitRepository controller, which a push webhook asks for an immediate fetch. */
  gitRepositories: Controller<GitRepository>;
  /** Stops notification deliveries in flight. */
  stopNotifications(): void;
}

/** Every controller the manager runs. Each one registers the informers it needs. */
export function registerControllers(deps: ControllerDeps): Controllers {
  const gitSource = new GitSource(
    new ObjectApi(deps.client),
    new GitCache(deps.config.cacheDir, { maxArtifactBytes: deps.config.maxArtifactBytes }),
  );
  const common = {
    client: deps.client,
    informers: deps.informers,
    events: deps.events,
    log: deps.log,
    metrics: deps.metrics,
    concurrency: deps.config.concurrency,
    tracer: deps.tracer,
  };
  const charts = new HelmCharts({
    api: new ObjectApi(deps.client),
    helm: deps.config.helm,
    cacheDir: deps.config.cacheDir,
  });
  const gitRepositories = gitRepositoryController({ ...common, source: gitSource });
  const helmRepositories = helmRepositoryController({ ...common, charts });
  const applications = applicationController({
    ...common,
    source: gitSource,
    charts,
    pushes: deps.pushes,
    kustomize: deps.config.kustomize,
    helm: deps.config.helm,
    defaultServiceAccount: deps.config.defaultServiceAccount,
  });
  const analysisRuns = analysisRunController(common);
  const rollouts = rolloutController(common);
  const experiments = experimentController(common);
  const notifications = notificationControllers(common);
  // The list holds each kind's controller as one of "some kind", for what every kind shares.
  const all = [
    gitRepositories,
    helmRepositories,
    applications,
    analysisRuns,
    rollouts,
    experiments,
    notifications.providers,
    notifications.alerts,
  ] as unknown as Controller<KubeObject>[];
  return { all, gitRepositories, stopNotifications: () => notifications.dispatcher.stop() };
}
