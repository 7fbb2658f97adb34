import { describe, expect, it } from 'vitest';
import type { AnalysisRun } from '../../controller/api/analysis.ts';
import type { Application } from '../../controller/api/application.ts';
import type { GitRepository } from '../../controller/api/git-repository.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { commitTraceId } from '../../controller/observability/tracing/commit-trace.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { buildTrail, type KubeEvent, matchesRevision, type TrailInput } from './trail-model.ts';
import { renderTrail } from './trail-view.ts';

const V2 = 'main@sha1:2222222222222222222222222222222222222222';
const V3 = 'main@sha1:3333333333333333333333333333333333333333';
const owner = [
  { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro', controller: true },
];

const app: Application = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'demo', namespace: 'ns', uid: 'app' },
  spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1m', prune: true },
  status: {
    lastAppliedRevision: V3,
    lastAttemptedRevision: V3,
    history: [
      {
        revision: V3,
        startedAt: '2026-01-01T10:01:00Z',
        time: '2026-01-01T10:01:02Z',
        result: 'Succeeded',
        objectsChanged: 1,
        objectsPruned: 0,
      },
      {
        revision: V2,
        startedAt: '2026-01-01T10:00:00Z',
        time: '2026-01-01T10:00:02Z',
        result: 'Succeeded',
        objectsChanged: 2,
        objectsPruned: 0,
      },
    ],
  },
} as Application;

const repo = {
  metadata: { name: 'repo', namespace: 'ns' },
  spec: { url: 'http://git/demo.git', interval: '1m' },
  status: { artifact: { revision: V3, digest: 'sha256:x', lastUpdateTime: '2026-01-01T10:00:59Z' } },
} as unknown as GitRepository;

const rollout = (status: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns', uid: 'ro', annotations: { 'sluice.dev/revision': V3 } },
    spec: {},
    status,
  }) as KubeObject;

const rs = (hash: string, revision: string, created: string): ReplicaSet =>
  ({
    metadata: {
      name: `web-${hash}`,
      namespace: 'ns',
      creationTimestamp: created,
      ownerReferences: owner,
      labels: { 'rollouts-pod-template-hash': hash },
      annotations: { 'sluice.dev/source-revision': revision },
    },
    spec: { selector: {}, template: {} },
  }) as ReplicaSet;

const run: AnalysisRun = {
  metadata: {
    name: 'web-h3-1',
    namespace: 'ns',
    uid: 'run',
    creationTimestamp: '2026-01-01T10:01:10Z',
    ownerReferences: owner,
    annotations: { 'sluice.dev/source-revision': V3 },
  },
  spec: { metrics: [{ name: 'error-rate', successCondition: 'result[0] < 0.05', provider: {} }] },
  status: {
    phase: 'Failed',
    completedAt: '2026-01-01T10:01:30Z',
    metricResults: [
      {
        name: 'error-rate',
        phase: 'Failed',
        measurements: [{ phase: 'Failed', value: '[0.42]', finishedAt: '2026-01-01T10:01:29Z' }],
      },
    ],
  },
} as unknown as AnalysisRun;

const event = (
  uid: string,
  kind: string,
  name: string,
  reason: string,
  note: string,
  time: string,
): KubeEvent =>
  ({
    metadata: { name: `${name}.${reason}` },
    eventTime: time,
    reason,
    note,
    regarding: { kind, name, uid },
  }) as KubeEvent;

const aborted = rollout({
  phase: 'Degraded',
  abort: true,
  stableRevision: V2,
  canaryRevision: V3,
  conditions: [
    {
      type: 'Progressing',
      status: 'False',
      reason: 'RolloutAborted',
      message: 'step 2 analysis web-h3-1 Failed: metric "error-rate" failed with value [0.42]',
    },
  ],
});

const input = (ro: KubeObject, revision?: string): TrailInput => ({
  app,
  repo,
  revision,
  objects: [
    ro,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'ns', annotations: { 'sluice.dev/revision': V2 } },
    },
  ],
  replicaSets: [rs('h2', V2, '2026-01-01T10:00:03Z'), rs('h3', V3, '2026-01-01T10:01:03Z')],
  runs: [run],
  events: [
    event('ro', 'Rollout', 'web', 'RolloutCompleted', 'Promoted h2 to stable', '2026-01-01T10:00:30Z'),
    event(
      'ro',
      'Rollout',
      'web',
      'RolloutStepCompleted',
      'Step 1/3 completed (setWeight: 20)',
      '2026-01-01T10:01:05Z',
    ),
    event(
      'ro',
      'Rollout',
      'web',
      'RolloutAborted',
      'Rollout aborted: analysis failed',
      '2026-01-01T10:01:31Z',
    ),
    event(
      'run',
      'AnalysisRun',
      'web-h3-1',
      'AnalysisRunFailed',
      'metric error-rate failed',
      '2026-01-01T10:01:30Z',
    ),
  ],
});

describe('trail', () => {
  it('follows an aborted revision from fetch to the rollback, in time order', () => {
    const trail = buildTrail(input(aborted));
    expect(trail.revision).toBe(V3);
    expect(trail.changed).toEqual(['Rollout ns/web']);
    expect(trail.entries.map((e) => e.stage).join(' ')).toBe(
      'fetched sync applied changed rollout step measurement analysis analysis rollout verdict',
    );
    expect(trail.entries.find((e) => e.stage === 'measurement')?.message).toBe(
      'error-rate = [0.42]: Failed (success when result[0] < 0.05)',
    );
    // The previous revision's events are not this one's.
    expect(trail.entries.some((e) => e.message.includes('Promoted h2'))).toBe(false);
    expect(trail.verdict.outcome).toBe('RolledBack');
    expect(trail.verdict.message).toContain(`serving revision ${V2}`);
    expect(trail.verdict.message).toContain('web-h3-1');
  });

  it('takes a SHA prefix and tells a promoted revision', () => {
    const trail = buildTrail(input(aborted, '2222222'));
    expect(trail.revision).toBe(V2);
    // Still the stable one after the next revision was rolled back.
    expect(trail.verdict).toEqual({ outcome: 'Promoted', message: `Rollout/web serves ${V2} as stable` });
    expect(trail.entries.some((e) => e.message.includes('Promoted h2'))).toBe(true);
    const replaced = buildTrail(input(rollout({ phase: 'Healthy', stableRevision: V3 }), V2));
    expect(replaced.verdict).toEqual({
      outcome: 'Replaced',
      message: `Rollout/web has moved on: stable ${V3}`,
    });
  });

  it('says a revision no sync applied is not applied', () => {
    const trail = buildTrail({ ...input(aborted, 'abcdef0'), replicaSets: [] });
    expect(trail.verdict.outcome).toBe('NotApplied');
  });

  it('prints one line per entry and the verdict', () => {
    const text = renderTrail(buildTrail(input(aborted)));
    expect(text).toContain(`Trail of ${V3} in Application ns/demo`);
    expect(text).toMatch(/2026-01-01T10:01:29Z +measurement +AnalysisRun\/web-h3-1 +error-rate = \[0.42\]/);
    expect(text).toContain('Verdict: RolledBack: revision');
  });

  it('matches a revision by itself or a SHA prefix of four or more', () => {
    expect(matchesRevision(V3, V3)).toBe(true);
    expect(matchesRevision(V3, '3333')).toBe(true);
    expect(matchesRevision(V3, '333')).toBe(false);
    expect(matchesRevision(undefined, '3333')).toBe(false);
  });
});

describe('the trace of a trail', () => {
  const input: TrailInput = { app, repo, objects: [], replicaSets: [], runs: [], events: [] };

  it('names the commit trace the controller sends, for any revision, once the Application has one', () => {
    const traced = { ...app, status: { ...app.status, trace: { revision: V3, traceID: 'x'.repeat(32) } } };
    const trail = buildTrail({ ...input, app: traced as Application, revision: V2.slice(-40, -30) });
    expect(trail.traceID).toBe(commitTraceId({ namespace: 'ns', name: 'demo' }, V2));
    expect(renderTrail(trail)).toContain(`Trace: ${trail.traceID}`);
  });

  it('has none when the controller sends no traces', () => {
    const trail = buildTrail(input);
    expect(trail.traceID).toBeUndefined();
    expect(renderTrail(trail)).not.toContain('Trace:');
  });
});
