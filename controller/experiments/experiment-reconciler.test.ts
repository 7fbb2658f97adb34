// The Experiment reconciler on the shared fake cluster; the real thing, end to end, is
// test/e2e/rollout-experiment.test.ts.

import { beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, quietContext } from '../../test/support/fake-cluster.ts';
import { type AnalysisRun, analysisRunResource, analysisTemplateResource } from '../api/analysis.ts';
import { type Experiment, experimentResource } from '../api/experiment.ts';
import { core } from '../kube/resources.ts';
import type { ReplicaSet } from '../rollouts/replica-sets.ts';
import { ExperimentReconciler } from './experiment-reconciler.ts';

let clock: number;
let cluster: FakeCluster;
let events: string[];

const experiment: Experiment = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'exp', namespace: 'shop', uid: 'exp-uid', creationTimestamp: '2025-01-02T03:00:00Z' },
  spec: {
    duration: '1m',
    templates: [
      {
        name: 'canary',
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'a', image: 'web:2' }] },
        },
      },
    ],
    analyses: [
      {
        name: 'compare',
        templateName: 'compare',
        args: [{ name: 'hash', value: '{{templates.canary.podTemplateHash}}' }],
      },
    ],
  },
};

async function reconcile(): Promise<number | undefined> {
  const reconciler = new ExperimentReconciler({
    api: cluster.api(),
    events: { record: async (_o, _t, reason) => void events.push(reason) },
    replicaSets: cluster.informer<ReplicaSet>(core.replicaSets),
    analysisRuns: cluster.informer<AnalysisRun>(analysisRunResource),
    now: () => new Date(clock),
  });
  const exp = cluster.find<Experiment>(experimentResource, 'shop', 'exp') as Experiment;
  return (await reconciler.reconcile(exp, quietContext())).requeueAfterMs;
}

const stored = () => cluster.find<Experiment>(experimentResource, 'shop', 'exp') as Experiment;
const rs = () => cluster.stored<ReplicaSet>(core.replicaSets, 'shop', 'exp-canary') as ReplicaSet;

beforeEach(() => {
  clock = Date.parse('2025-01-02T03:00:10Z');
  cluster = new FakeCluster();
  events = [];
  cluster.put(experimentResource, structuredClone(experiment));
  cluster.put(analysisTemplateResource, {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'compare', namespace: 'shop' },
    spec: {
      args: [{ name: 'hash' }],
      metrics: [{ name: 'm', provider: { web: { url: 'http://metrics.invalid/{{args.hash}}' } } }],
    },
  });
});

describe('ExperimentReconciler', () => {
  it('runs the template, starts the analysis once it is available with the hash filled in, and ends after the duration', async () => {
    await reconcile();
    expect(rs().spec.replicas).toBe(1);
    expect(stored().status).toMatchObject({ phase: 'Pending' });
    expect(cluster.list(analysisRunResource)).toEqual([]);

    rs().status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    expect(await reconcile()).toBe(60_000);
    const hash = rs().metadata.labels?.['rollouts-pod-template-hash'];
    expect(stored().status).toMatchObject({
      phase: 'Running',
      availableAt: '2025-01-02T03:00:10.000Z',
      templateStatuses: [{ name: 'canary', status: 'Running', podTemplateHash: hash }],
      analysisRuns: [{ name: 'compare', analysisRun: 'exp-compare', phase: 'Pending' }],
    });
    const run = cluster.find<AnalysisRun>(analysisRunResource, 'shop', 'exp-compare');
    expect(run?.spec.args).toEqual([{ name: 'hash', value: hash }]);
    expect(run?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Experiment', uid: 'exp-uid' });

    clock += 60_000;
    await reconcile();
    expect(stored().status).toMatchObject({ phase: 'Successful', message: 'ran for 1m' });
    expect(rs().spec.replicas).toBe(0);
    expect(cluster.find<AnalysisRun>(analysisRunResource, 'shop', 'exp-compare')?.spec.terminate).toBe(true);
    expect(events).toEqual(
      expect.arrayContaining(['ReplicaSetCreated', 'AnalysisRunCreated', 'ExperimentSuccessful']),
    );
  });

  it('fails when its analysis fails, and scales the template down', async () => {
    await reconcile();
    rs().status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    await reconcile();
    const run = cluster.stored<AnalysisRun>(analysisRunResource, 'shop', 'exp-compare') as AnalysisRun;
    run.status = { phase: 'Failed', message: 'metric "m" assessed Failed' };
    await reconcile();
    expect(stored().status).toMatchObject({
      phase: 'Failed',
      message: 'analysis "compare" (AnalysisRun exp-compare) ended Failed: metric "m" assessed Failed',
    });
    expect(rs().spec.replicas).toBe(0);
    expect(events).toContain('ExperimentFailed');
  });

  it('ends in Error naming the argument when it refers to a template it does not have', async () => {
    const exp = cluster.stored<Experiment>(experimentResource, 'shop', 'exp') as Experiment;
    exp.spec.analyses = [
      {
        name: 'compare',
        templateName: 'compare',
        args: [{ name: 'hash', value: '{{templates.base.podTemplateHash}}' }],
      },
    ];
    await reconcile();
    rs().status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    await reconcile();
    expect(stored().status?.phase).toBe('Error');
    expect(stored().status?.message).toContain(
      'argument "hash" refers to template "base", which the Experiment does not have',
    );
    await reconcile();
    expect(rs().spec.replicas).toBe(0);
  });

  it('refuses podTemplateHashValue in its own analyses, saying what to use instead', async () => {
    const exp = cluster.stored<Experiment>(experimentResource, 'shop', 'exp') as Experiment;
    exp.spec.analyses = [
      {
        name: 'compare',
        templateName: 'compare',
        args: [{ name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
      },
    ];
    await reconcile();
    rs().status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    await reconcile();
    expect(stored().status?.phase).toBe('Error');
    expect(stored().status?.message).toContain('in an Experiment use {{templates.<name>.podTemplateHash}}');
    expect(cluster.list(analysisRunResource)).toEqual([]);
  });

  it('hands its dryRun and measurementRetention to each AnalysisRun', async () => {
    const exp = cluster.stored<Experiment>(experimentResource, 'shop', 'exp') as Experiment;
    exp.spec.dryRun = [{ metricName: 'm' }];
    exp.spec.measurementRetention = [{ metricName: '.*', limit: 3 }];
    await reconcile();
    rs().status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    await reconcile();
    const run = cluster.find<AnalysisRun>(analysisRunResource, 'shop', 'exp-compare');
    expect(run?.spec.dryRun).toEqual([{ metricName: 'm' }]);
    expect(run?.spec.measurementRetention).toEqual([{ metricName: '.*', limit: 3 }]);
  });

  it('ends in Error naming the template when its service has no container port to expose', async () => {
    const exp = cluster.stored<Experiment>(experimentResource, 'shop', 'exp') as Experiment;
    const [template] = exp.spec.templates;
    if (template) template.service = {};
    await reconcile();
    expect(stored().status?.phase).toBe('Error');
    expect(stored().status?.message).toContain(
      'spec.templates: template "canary": service needs at least one container port',
    );
    expect(cluster.list(core.services)).toEqual([]);
  });
});
