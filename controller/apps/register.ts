import { type Application, applicationResource } from '../api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../api/git-repository.ts';
import { type HelmRepository, helmRepositoryResource } from '../api/helm-repository.ts';
import { ObjectApi } from '../kube/objects.ts';
import { objectKey } from '../kube/resources.ts';
import { findCondition, READY } from '../runtime/conditions.ts';
import type { Controller } from '../runtime/controller.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import type { GitSource } from '../sources/git-source.ts';
import type { HelmCharts } from '../sources/helm-repository/helm-charts.ts';
import type { PushTracker } from '../webhooks/push-tracker.ts';
import { createAppMetrics } from './app-metrics.ts';
import { AppState } from './app-state.ts';
import { ApplicationReconciler } from './application-reconciler.ts';
import { ExistingNames } from './existing-names.ts';
import { ClusterCapabilities } from './helm/capabilities.ts';
import { ManagedObjects } from './managed-objects.ts';
import { RestMapper } from './rest-mapper.ts';

export interface ApplicationControllerDeps extends ControllerWiring {
  source: GitSource;
  charts: HelmCharts;
  pushes: PushTracker;
  kustomize: string;
  helm: string;
  defaultServiceAccount: string | undefined;
}

/**
 * The Application controller and what wakes it besides its own objects: a source's new
 * revision, a dependency becoming ready, and any change to an object it applied.
 */
export function applicationController(deps: ApplicationControllerDeps): Controller<Application> {
  const applications = deps.informers.for<Application>(applicationResource);
  const repositories = deps.informers.for<GitRepository>(gitRepositoryResource);
  const helmRepositories = deps.informers.for<HelmRepository>(helmRepositoryResource);
  let controller: Controller<Application> | undefined;
  const managed = new ManagedObjects(deps.informers, (key) => controller?.enqueue(key));
  const reconciler = new ApplicationReconciler({
    api: new ObjectApi(deps.client),
    mapper: new RestMapper(deps.client),
    state: new AppState(managed),
    existing: new ExistingNames(deps.informers),
    source: deps.source,
    repositories,
    charts: deps.charts,
    helmRepositories,
    applications,
    events: deps.events,
    metrics: createAppMetrics(deps.metrics.registry),
    pushes: deps.pushes,
    tracer: deps.tracer,
    kustomize: deps.kustomize,
    helm: deps.helm,
    capabilities: new ClusterCapabilities(deps.client),
    defaultServiceAccount: deps.defaultServiceAccount,
  });
  controller = wireController(deps, applications, reconciler);
  const c = controller;
  const onSource = (repo: GitRepository, old?: GitRepository) => {
    const users = applications.list().filter((app) => {
      const ref = app.spec.sourceRef;
      return (
        ref?.name === repo.metadata.name &&
        (ref.namespace ?? app.metadata.namespace) === repo.metadata.namespace
      );
    });
    const revision = repo.status?.artifact?.revision;
    if (!revision || revision === old?.status?.artifact?.revision) {
      for (const app of users) c.enqueue(objectKey(app));
      return;
    }
    // A new revision: the Applications whose inputs it changed go first, ahead of the many
    // that will only take the revision (one git diff for all of them, shared by GitSource),
    // which are one status write each and so are taken by the queue's extra workers too.
    void Promise.all(
      users.map(async (app) => ({
        app,
        changed: await reconciler.inputsChanged(app, repo).catch(() => true),
      })),
    ).then((found) => {
      for (const { app } of found.filter((f) => f.changed)) c.enqueueFirst(objectKey(app));
      for (const { app } of found.filter((f) => !f.changed)) c.enqueueCheap(objectKey(app));
    });
  };
  repositories.on('add', onSource);
  repositories.on('update', onSource);
  // A new index (or a repository becoming ready) may hold a new chart version in range.
  const onChartSource = (repo: HelmRepository) => {
    for (const app of applications.list()) {
      const ref = app.spec.helm?.chart?.sourceRef;
      if (ref?.name === repo.metadata.name && app.metadata.namespace === repo.metadata.namespace) {
        c.enqueue(objectKey(app));
      }
    }
  };
  helmRepositories.on('add', onChartSource);
  helmRepositories.on('update', onChartSource);
  const onDependency = (dep: Application, old?: Application) => {
    // What dependents wait for is Ready at the current generation: a status patch that only
    // moved the revision (a thousand of them per push) changes neither, and wakes nobody.
    if (old && readiness(old) === readiness(dep)) return;
    for (const app of applications.list()) {
      if (
        app.spec.dependsOn?.some(
          (d) =>
            d.name === dep.metadata.name &&
            (d.namespace ?? app.metadata.namespace) === dep.metadata.namespace,
        )
      ) {
        c.enqueue(objectKey(app));
      }
    }
  };
  applications.on('update', onDependency);
  return c;
}

/** What checkDependencies reads of a dependency: its Ready status, and whether it is current. */
function readiness(app: Application): string {
  const ready = findCondition(app.status?.conditions, READY)?.status;
  return `${ready}/${app.status?.observedGeneration === app.metadata.generation}`;
}
