import { describe, expect, it } from 'vitest';
import type { Rollout } from '../controller/api/rollout.ts';
import { renderRollout } from './get/rollout-view.ts';
import type { Io } from './io.ts';
import { run } from './main.ts';

function io(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: { KUBECONFIG: '/nonexistent/kubeconfig' },
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

const fixtures = new URL('../test/fixtures/lint/', import.meta.url).pathname;

describe('command line', () => {
  it.each([
    [[], /a command is required/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['get'], /get needs a kind \(app\|source\|rollout\) and a name/],
    [['get', 'deployment', 'x'], /not "deployment"/],
    [['get', 'app'], /get app needs a name/],
    [['promote'], /promote needs the name of a Rollout/],
    [['abort', '--full', 'web'], /abort does not take --full/],
    [['promote', '--fulll', 'web'], /Unknown option '--fulll'$/m],
    [['get', 'app', 'web', '-o', 'wide'], /--output must be json or yaml/],
    [['undo', 'web', '--to-revision', 'two'], /--to-revision must be a positive integer/],
    [['diff', 'rollout', 'web'], /diff needs a kind \(app\)/],
    [['lint'], /lint needs at least one file/],
    [['dashboard', '--port', 'http'], /--port must be a port number, not "http"/],
    [['dashboard', '-A', '-n', 'shop'], /--all-namespaces and --namespace cannot be used together/],
    [['dashboard', 'shop'], /dashboard takes no arguments, got: shop/],
    [['get', 'app', 'web', '--port', '3100'], /get does not take --port/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const t = io();
    expect(await run(argv, t)).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.err()).toContain("See 'kubectl sluice --help' for usage.");
    expect(t.out()).toBe('');
  });

  it('prints help on stdout (exit 0)', async () => {
    const t = io();
    expect(await run(['--help'], t)).toBe(0);
    expect(t.out()).toContain('kubectl sluice promote [--full] ROLLOUT');
  });

  it('reports a missing kubeconfig as an error (exit 1)', async () => {
    const t = io();
    expect(await run(['get', 'app', 'web'], t)).toBe(1);
    expect(t.err()).toMatch(/^error: kubeconfig \/nonexistent\/kubeconfig does not exist/);
  });
});

describe('lint command', () => {
  it('exits 0 for good files and 1 for problems, printing file:line:col', async () => {
    const good = io();
    expect(await run(['lint', `${fixtures}good`], good)).toBe(0);
    expect(good.out()).toBe('');
    expect(good.err()).toMatch(/11 objects in 5 files: no problems/);
    const bad = io();
    expect(await run(['lint', `${fixtures}bad/rollout-steps.yaml`], bad)).toBe(1);
    expect(bad.out().split('\n')[1]).toBe(
      `${fixtures}bad/rollout-steps.yaml:17:11: spec.strategy.canary.steps[0]: a canary step must set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, experiment`,
    );
  });

  it('prints diagnostics as JSON with -o json', async () => {
    const t = io();
    expect(await run(['lint', '-o', 'json', `${fixtures}bad/application.yaml`], t)).toBe(1);
    const diagnostics = JSON.parse(t.out()) as { line: number; column: number; path: string; kind: string }[];
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`)).toEqual([
      '5:1 spec',
      '7:11 spec.sourceRef.kind',
      '9:9 spec.path',
      '10:13 spec.interval',
      '11:3 spec.dependsOn',
    ]);
    expect(diagnostics[0]?.kind).toBe('Application');
  });

  it('refuses a file that does not exist (exit 1)', async () => {
    const t = io();
    expect(await run(['lint', '/nonexistent.yaml'], t)).toBe(1);
    expect(t.err()).toBe('error: /nonexistent.yaml: no such file or directory\n');
  });
});

describe('rollout view', () => {
  it('marks the current step and groups ReplicaSets, pods and runs by revision', () => {
    const ro: Rollout = {
      metadata: { name: 'web', namespace: 'ns', uid: 'u', creationTimestamp: '2025-01-01T00:00:00Z' },
      spec: { replicas: 2, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } },
      status: {
        phase: 'Paused',
        currentStepIndex: 1,
        stableRS: 'aaa',
        currentPodHash: 'bbb',
        pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2025-01-01T00:09:00Z' }],
        canary: { weights: { canary: { weight: 50 }, stable: { weight: 50 } } },
      },
    };
    const rs = (hash: string, revision: number) => ({
      metadata: {
        name: `web-${hash}`,
        uid: hash,
        creationTimestamp: '2025-01-01T00:00:00Z',
        labels: { 'rollouts-pod-template-hash': hash },
        annotations: { 'sluice.dev/revision': String(revision) },
      },
      spec: { replicas: 1, selector: {}, template: {} },
      status: { replicas: 1, readyReplicas: 1 },
    });
    const text = renderRollout({
      rollout: ro,
      replicaSets: [rs('aaa', 1), rs('bbb', 2)],
      pods: [
        {
          metadata: {
            name: 'web-bbb-x',
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-bbb', uid: 'bbb' }],
          },
          status: { phase: 'Running', containerStatuses: [{ ready: true }] },
        },
      ],
      runs: [],
      now: new Date('2025-01-01T00:10:00Z'),
    });
    expect(text).toContain('  ✔ 1. setWeight: 50\n  ▶ 2. pause  (current)\n');
    expect(text).toMatch(/Weight:\s+canary 50, stable 50/);
    expect(text).toMatch(/Paused:\s+CanaryPauseStep since 2025-01-01T00:09:00Z \(60s\)/);
    expect(text).toMatch(
      /├── revision:2\n│ {3}└── web-bbb\s+ReplicaSet\s+1\/1 ready\s+10m\s+canary\n│ {7}└── web-bbb-x\s+Pod\s+Running/,
    );
    expect(text).toMatch(/└── revision:1\n {4}└── web-aaa\s+ReplicaSet\s+1\/1 ready\s+10m\s+stable/);
  });

  it("renders a Rollout's Experiment with its templates and AnalysisRuns under its revision", () => {
    const text = renderRollout({
      rollout: {
        metadata: { name: 'web', creationTimestamp: '2025-01-01T00:00:00Z' },
        spec: {
          strategy: {
            canary: { steps: [{ experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } }] },
          },
        },
        status: { phase: 'Progressing', currentStepIndex: 0 },
      },
      replicaSets: [],
      pods: [],
      runs: [],
      experiments: [
        {
          metadata: {
            name: 'web-bbb-0-exp',
            creationTimestamp: '2025-01-01T00:05:00Z',
            annotations: { 'sluice.dev/rollout-revision': '2' },
          },
          spec: { templates: [] },
          status: {
            phase: 'Running',
            message: 'waiting for "compare"',
            templateStatuses: [
              {
                name: 'canary',
                replicas: 1,
                updatedReplicas: 1,
                readyReplicas: 1,
                availableReplicas: 1,
                status: 'Running',
              },
            ],
            analysisRuns: [{ name: 'compare', analysisRun: 'web-bbb-0-exp-compare', phase: 'Running' }],
          },
        },
      ],
      now: new Date('2025-01-01T00:10:00Z'),
    });
    expect(text).toContain('▶ 1. experiment (canary)  (current)');
    expect(text).toMatch(
      /revision:2\n\s+└── web-bbb-0-exp\s+Experiment\s+Running\s+5m\s+waiting for "compare"/,
    );
    expect(text).toMatch(/web-bbb-0-exp-canary\s+ReplicaSet\s+Running\s+1\/1 available/);
    expect(text).toMatch(/web-bbb-0-exp-compare\s+AnalysisRun\s+Running/);
  });
});
