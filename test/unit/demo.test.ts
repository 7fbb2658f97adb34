// The demo's pure parts: how versions behave, how outcomes are read from a Rollout's status,
// how measurements are shown, and that the example it pushes is what the CRDs accept.

import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { AnalysisRun } from '../../controller/api/analysis.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import { IMAGE, renderExample } from '../../demo/example-repo.ts';
import type { Snapshot } from '../../demo/observe.ts';
import { outcomeOf } from '../../demo/outcomes.ts';
import { BAD_ERROR_RATE, behaviourOf } from '../../demo/stand-ins.ts';
import { formatValue, newLines, statusLine } from '../../demo/status-view.ts';

function snapshot(status: Rollout['status'], runs: AnalysisRun[] = []): Snapshot {
  return {
    at: 1,
    rollout: {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'demo', namespace: 'demo', generation: 2 },
      spec: { strategy: { canary: { steps: [{ setWeight: 25 }, { analysis: { templates: [] } }] } } },
      status: { observedGeneration: 2, ...status },
    },
    app: undefined,
    source: undefined,
    replicaSets: [
      { name: 'demo-a', hash: 'a', image: `${IMAGE}:v2`, version: 'v2', specReplicas: 4, readyReplicas: 4 },
      {
        name: 'demo-b',
        hash: 'b',
        image: `${IMAGE}:v3-bad`,
        version: 'v3-bad',
        specReplicas: 0,
        readyReplicas: 0,
      },
    ],
    runs,
    events: [],
  };
}

describe('demo', () => {
  it('reads behaviour from the image tag', () => {
    expect(behaviourOf(`${IMAGE}:v2`)).toEqual({ version: 'v2', errorRate: 0 });
    expect(behaviourOf(`${IMAGE}:v3-bad`)).toEqual({ version: 'v3-bad', errorRate: BAD_ERROR_RATE });
    expect(behaviourOf('registry:5000/app')).toEqual({ version: 'latest', errorRate: 0 });
  });

  it('tells promotion from abort only once the Rollout is updating to the version', () => {
    expect(
      outcomeOf(snapshot({ phase: 'Healthy', stableRS: 'a', currentPodHash: 'a' }), 'v2', undefined)?.result,
    ).toBe('promoted');
    expect(
      outcomeOf(snapshot({ phase: 'Degraded', stableRS: 'a', currentPodHash: 'b' }), 'v3-bad', 'a')?.result,
    ).toBe('aborted');
    // Still the previous version, or a status not yet written for the new generation.
    expect(
      outcomeOf(snapshot({ phase: 'Healthy', stableRS: 'a', currentPodHash: 'a' }), 'v3-bad', 'a'),
    ).toBeUndefined();
    expect(
      outcomeOf(
        snapshot({ phase: 'Degraded', stableRS: 'a', currentPodHash: 'b', observedGeneration: 1 }),
        'v3-bad',
        'a',
      ),
    ).toBeUndefined();
  });

  it('shows one-number vectors as numbers and each finished measurement once', () => {
    expect(formatValue('[0.30000000000000004]')).toBe('0.300');
    expect(formatValue('[]')).toBe('[]');
    expect(formatValue(undefined)).toBe('—');
    const run = {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'demo-b-1' },
      spec: { metrics: [{ name: 'error-rate', successCondition: 'result[0] < 0.05', provider: {} }] },
      status: {
        metricResults: [
          {
            name: 'error-rate',
            phase: 'Running',
            measurements: [
              { phase: 'Failed', value: '[0.3]', startedAt: 't1', finishedAt: 't2' },
              { phase: 'Running', startedAt: 't3' },
            ],
          },
        ],
      },
    } as AnalysisRun;
    const s = snapshot({ phase: 'Progressing', stableRS: 'a', currentPodHash: 'b', currentStepIndex: 1 }, [
      run,
    ]);
    const seen = new Set<string>();
    expect(newLines(s, seen).map((l) => l.text)).toEqual([
      'measure demo-b-1 error-rate #1 = 0.300 (pass when result[0] < 0.05) → Failed',
    ]);
    expect(newLines(s, seen)).toEqual([]);
    expect(statusLine(s)).toBe(
      'status  Progressing · step 2/2 analysis · stable v2 (a) 4/4 ready 100% · canary v3-bad (b) 0/0 ready 0% · app Unknown',
    );
  });

  it('renders the example for a version with the Prometheus address it is given', async () => {
    const files = await renderExample('v3-bad', 'http://127.0.0.1:4321');
    expect(Object.keys(files).sort()).toEqual([
      'deploy/analysis-template.yaml',
      'deploy/rollout.yaml',
      'deploy/services.yaml',
    ]);
    const docs = Object.values(files).flatMap((text) => parseAllDocuments(text).map((d) => d.toJS()));
    const rollout = docs.find((d) => d.kind === 'Rollout');
    expect(rollout.spec.template.spec.containers[0].image).toBe(`${IMAGE}:v3-bad`);
    const template = docs.find((d) => d.kind === 'AnalysisTemplate');
    expect(template.spec.metrics[0].provider.prometheus.address).toBe('http://127.0.0.1:4321');
    expect(template.spec.metrics[0].provider.prometheus.query).toContain('{{args.canary-hash}}');
  });
});
