// What every Application reconciler unit test builds the same way on the fake cluster; each
// test adds the parts it scripts (mapper, state, source, sync).

import { Registry } from 'prom-client';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { type HelmRepository, helmRepositoryResource } from '../../controller/api/helm-repository.ts';
import { createAppMetrics } from '../../controller/apps/app-metrics.ts';
import type { ApplicationDeps } from '../../controller/apps/application-reconciler.ts';
import { PushTracker } from '../../controller/webhooks/push-tracker.ts';
import type { FakeCluster, RecordedEvents } from './fake-cluster.ts';

export function appReconcilerDeps(
  cluster: FakeCluster,
  events: RecordedEvents,
): Omit<ApplicationDeps, 'mapper' | 'state' | 'source'> {
  return {
    api: cluster.api(),
    repositories: cluster.informer<GitRepository>(gitRepositoryResource),
    helmRepositories: cluster.informer<HelmRepository>(helmRepositoryResource),
    // Tests of charts from a HelmRepository give their own.
    charts: {
      resolve: () => Promise.reject(new Error('no chart repositories in this test')),
      files: () => Promise.reject(new Error('no chart repositories in this test')),
      withDependencies: () => Promise.reject(new Error('no chart repositories in this test')),
    },
    applications: cluster.informer<Application>(applicationResource),
    events,
    metrics: createAppMetrics(new Registry()),
    pushes: new PushTracker(),
    kustomize: 'kustomize',
    helm: 'helm',
    capabilities: { get: async () => ({ apiVersions: [] }), invalidate: () => {} },
    defaultServiceAccount: undefined,
    now: () => new Date('2025-01-02T03:04:05Z'),
  };
}
