import { describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../controller/api/analysis.ts';
import type { Application } from '../../controller/api/application.ts';
import type { GitRepository } from '../../controller/api/git-repository.ts';
import type { Rollout, RolloutStatus } from '../../controller/api/rollout.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import {
  appDetail,
  appRows,
  errorLocation,
  percentages,
  rolloutDetail,
  rolloutRows,
  sourceRows,
} from './view-model.ts';

function rollout(status: RolloutStatus, paused = false): Rollout {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', uid: 'ro-uid' },
    spec: {
      replicas: 4,
      ...(paused ? { paused } : {}),
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'a', image: 'web:2' }] },
      },
      strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }] } },
    },
    status,
  };
}

function replicaSet(
  hash: string,
  revision: number,
  image: string,
  replicas: number,
  ready: number,
): ReplicaSet {
  return {
    metadata: {
      name: `web-${hash}`,
      namespace: 'shop',
      labels: { 'rollouts-pod-template-hash': hash },
      annotations: { 'sluice.dev/revision': String(revision) },
      ownerReferences: [
        { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true },
      ],
    },
    spec: {
      replicas,
      selector: {},
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image }] } },
    },
    status: { replicas, readyReplicas: ready, availableReplicas: ready },
  };
}

const canaryPaused: RolloutStatus = {
  phase: 'Paused',
  message: 'CanaryPauseStep: paused at step 2/3',
  currentStepIndex: 1,
  currentPodHash: 'new',
  stableRS: 'old',
  pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:00:00Z' }],
  canary: { weights: { canary: { weight: 25 }, stable: { weight: 75 } } },
  replicas: 4,
  readyReplicas: 4,
  updatedReplicas: 1,
  availableReplicas: 4,
};

describe('rollout rows and detail', () => {
  it('shows weights out of maxTrafficWeight as percentages', () => {
    expect(percentages(5, 995, true)).toEqual({ canary: 0.5, stable: 99.5, verified: true });
    expect(percentages(30, undefined, undefined)).toEqual({ canary: 30, stable: 70, verified: undefined });
  });
  it('shows the step being run, the weights and the replicas', () => {
    expect(rolloutRows([rollout(canaryPaused)])).toEqual([
      {
        namespace: 'shop',
        name: 'web',
        strategy: 'Canary',
        phase: 'Paused',
        message: 'CanaryPauseStep: paused at step 2/3',
        step: { index: 1, count: 3 },
        weights: { canary: 25, stable: 75, verified: undefined },
        aborted: false,
        paused: true,
        replicas: { desired: 4, ready: 4, updated: 1, available: 4 },
      },
    ]);
  });

  it('marks steps done, current and pending; versions by revision with their roles and pods', () => {
    const d = rolloutDetail({
      rollout: rollout(canaryPaused),
      replicaSets: [replicaSet('old', 1, 'web:1', 3, 3), replicaSet('new', 2, 'web:2', 1, 0)],
      runs: [],
    });
    expect(d.steps).toEqual([
      { text: 'setWeight: 25', state: 'done' },
      { text: 'pause', state: 'current' },
      { text: 'setWeight: 50', state: 'pending' },
    ]);
    expect(d.versions.map((v) => [v.revision, v.roles, v.images, `${v.ready}/${v.desired}`])).toEqual([
      [2, ['canary'], ['web:2'], '0/1'],
      [1, ['stable'], ['web:1'], '3/3'],
    ]);
    expect(d.pauses).toEqual([{ reason: 'CanaryPauseStep', since: '2026-01-01T00:00:00Z' }]);
  });

  it('offers the operations the commands would take, and says why the others are refused', () => {
    const paused = rolloutDetail({
      rollout: rollout(canaryPaused),
      replicaSets: [replicaSet('old', 1, 'web:1', 3, 3), replicaSet('new', 2, 'web:2', 1, 1)],
      runs: [],
    });
    expect(Object.keys(paused.unavailable).sort()).toEqual(['resume', 'retry']);
    expect(paused.unavailable.retry).toBe('rollout web is not aborted');

    const aborted = rolloutDetail({
      rollout: rollout({ ...canaryPaused, abort: true, currentStepIndex: 0 }, true),
      replicaSets: [replicaSet('new', 1, 'web:2', 1, 1)],
      runs: [],
    });
    expect(aborted.steps[0]?.state).toBe('aborted');
    expect(aborted.aborted).toBe(true);
    expect(aborted.unavailable.retry).toBeUndefined();
    expect(aborted.unavailable.resume).toBeUndefined();
    expect(aborted.unavailable.undo).toBe('rollout web has no earlier revision to go back to');
  });

  it('names the active and preview versions of a blue-green Rollout', () => {
    const bg = rollout({
      currentPodHash: 'new',
      stableRS: 'old',
      blueGreen: { activeSelector: 'old', previewSelector: 'new' },
    });
    bg.spec.strategy = { blueGreen: { activeService: 'web', previewService: 'web-preview' } };
    const d = rolloutDetail({
      rollout: bg,
      replicaSets: [replicaSet('old', 1, 'web:1', 4, 4), replicaSet('new', 2, 'web:2', 4, 4)],
      runs: [],
    });
    expect(d.strategy).toBe('BlueGreen');
    expect(d.steps).toEqual([]);
    expect(d.step).toBeUndefined();
    expect(d.versions.map((v) => [v.revision, v.roles])).toEqual([
      [2, ['preview']],
      [1, ['stable', 'active']],
    ]);
  });

  it('lists analysis runs newest first with every measurement, and metrics not measured yet', () => {
    const run = (name: string, created: string, step: string): AnalysisRun => ({
      metadata: {
        name,
        namespace: 'shop',
        creationTimestamp: created,
        labels: { 'sluice.dev/analysis-type': 'step', 'sluice.dev/step-index': step },
        annotations: { 'sluice.dev/rollout-revision': '2' },
      },
      spec: {
        metrics: [
          { name: 'error-rate', provider: {} },
          { name: 'latency', provider: {} },
        ],
      },
      status: {
        phase: 'Running',
        metricResults: [
          {
            name: 'error-rate',
            phase: 'Running',
            count: 2,
            successful: 2,
            measurements: [
              { phase: 'Successful', value: '[0.01]', finishedAt: '2026-01-01T00:00:10Z' },
              { phase: 'Successful', value: '[0.02]', finishedAt: '2026-01-01T00:00:20Z' },
            ],
          },
        ],
      },
    });
    const d = rolloutDetail({
      rollout: rollout(canaryPaused),
      replicaSets: [],
      runs: [run('web-2-1', '2026-01-01T00:00:00Z', '1'), run('web-2-3', '2026-01-01T00:01:00Z', '3')],
    });
    expect(d.runs.map((r) => [r.name, r.what, r.revision])).toEqual([
      ['web-2-3', 'step 4', 2],
      ['web-2-1', 'step 2', 2],
    ]);
    const metrics = d.runs[0]?.metrics ?? [];
    expect(metrics.map((m) => [m.name, m.phase, m.measurements.map((x) => x.value)])).toEqual([
      ['error-rate', 'Running', ['[0.01]', '[0.02]']],
      ['latency', 'Pending', []],
    ]);
    expect(metrics[0]?.counts).toEqual({ successful: 2, failed: 0, inconclusive: 0, error: 0 });
  });
});

const app: Application = {
  metadata: { name: 'shop', namespace: 'shop' },
  spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1m', path: './deploy', prune: true },
  status: {
    lastAppliedRevision: 'main@sha1:aaa',
    lastAttemptedRevision: 'main@sha1:bbb',
    syncStatus: 'OutOfSync',
    health: 'Healthy',
    inventory: {
      entries: [
        { id: 'shop_web_sluice.dev_Rollout', v: 'v1alpha1' },
        { id: 'shop_settings__ConfigMap', v: 'v1' },
        { id: '_shop__Namespace', v: 'v1' },
      ],
    },
    history: [
      { revision: 'main@sha1:bbb', time: '2026-01-01T00:02:00Z', result: 'Failed', message: 'bad manifest' },
      { revision: 'main@sha1:aaa', time: '2026-01-01T00:01:00Z', result: 'Succeeded' },
    ],
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'BuildFailed',
        message: 'deploy/web.yaml: bad manifest',
        lastTransitionTime: '2026-01-01T00:02:00Z',
      },
    ],
  },
};

describe('applications and sources', () => {
  it('rows say revision, sync, health and Ready', () => {
    expect(appRows([app])).toEqual([
      {
        namespace: 'shop',
        name: 'shop',
        source: 'GitRepository shop/repo',
        revision: 'main@sha1:aaa',
        sync: 'OutOfSync',
        health: 'Healthy',
        ready: { status: 'False', reason: 'BuildFailed', message: 'deploy/web.yaml: bad manifest' },
        suspended: false,
      },
    ]);
  });

  it('the detail lists the applied objects from the inventory and the last error', () => {
    const repo: GitRepository = {
      metadata: { name: 'repo', namespace: 'shop' },
      spec: { url: 'https://git.example/shop.git', interval: '1m' },
      status: { artifact: { revision: 'main@sha1:bbb' } as NonNullable<GitRepository['status']>['artifact'] },
    };
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'shop' },
    };
    const d = appDetail(app, repo, (ref) =>
      ref.kind === 'ConfigMap'
        ? { synced: true, object: ref.name === 'settings' ? configMap : undefined }
        : ref.kind === 'Rollout'
          ? { synced: true }
          : { synced: false, error: 'Forbidden: namespaces is forbidden' },
    );
    expect(d.objects).toEqual([
      {
        kind: 'ConfigMap',
        group: '',
        namespace: 'shop',
        name: 'settings',
        health: 'Healthy',
        message: 'exists',
      },
      {
        kind: 'Namespace',
        group: '',
        namespace: '',
        name: 'shop',
        health: 'Unknown',
        message: 'Forbidden: namespaces is forbidden',
      },
      {
        kind: 'Rollout',
        group: 'sluice.dev',
        namespace: 'shop',
        name: 'web',
        health: 'Missing',
        message: 'not found in the cluster',
      },
    ]);
    expect(d.lastError).toBe('deploy/web.yaml: bad manifest');
    expect(d.sourceRevision).toBe('main@sha1:bbb');
    expect(d.attemptedRevision).toBe('main@sha1:bbb');
    expect(d.history.map((h) => h.result)).toEqual(['Failed', 'Succeeded']);
    expect(sourceRows([repo])[0]).toMatchObject({ revision: 'main@sha1:bbb', ready: { status: 'Unknown' } });
  });

  it('names a chart source with its HelmRepository', () => {
    const chart = structuredClone(app);
    delete chart.spec.sourceRef;
    chart.spec.helm = {
      chart: { name: 'podinfo', version: '6.x', sourceRef: { kind: 'HelmRepository', name: 'charts' } },
    };
    const d = appDetail(chart, undefined);
    expect(d.source).toBe('chart podinfo 6.x from HelmRepository shop/charts');
    expect(d.sourceRevision).toBeUndefined();
    expect(appDetail(app, undefined).sourceRevision).toBe('');
  });

  it('the last error of a Ready application is the last failed sync, if any', () => {
    const ready = structuredClone(app);
    ready.status = { ...ready.status, conditions: [], history: [] };
    expect(appDetail(ready, undefined).lastError).toBeUndefined();
  });

  it('finds the file and line a render error names', () => {
    expect(errorLocation('base/broken.yaml:5: Map keys must be unique')).toEqual({
      file: 'base/broken.yaml',
      line: 5,
    });
    expect(
      errorLocation('Helm chart charts/web (web 0.1.0): web/templates/settings.yaml:9:12: bad indentation'),
    ).toEqual({ file: 'web/templates/settings.yaml', line: 9 });
    expect(errorLocation('deploy/web.yaml: bad manifest')).toBeUndefined();
    expect(errorLocation(undefined)).toBeUndefined();
  });
});
