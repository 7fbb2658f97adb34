import { describe, expect, it } from 'vitest';
import { AnalysisTemplateError, type LoadedTemplate } from '../../analysis/create-run.ts';
import type { Argument } from '../../api/analysis.ts';
import type { Rollout } from '../../api/rollout.ts';
import { buildAnalysisRun } from './run-builder.ts';

const rollout: Rollout = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', labels: { team: 'payments' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:2' }] },
    },
    strategy: { canary: {} },
  },
};

const errors: LoadedTemplate = {
  ref: { templateName: 'errors' },
  spec: {
    args: [{ name: 'service' }, { name: 'hash' }, { name: 'threshold', value: '0.05' }],
    metrics: [
      {
        name: 'error-rate',
        successCondition: 'result[0] < 0.05',
        provider: { prometheus: { address: 'http://p', query: 'q{hash="{{args.hash}}"}' } },
      },
    ],
  },
};

const build = (args: Argument[]) =>
  buildAnalysisRun({
    rollout,
    analysis: {
      templates: [{ templateName: 'errors' }],
      args,
      analysisRunMetadata: { labels: { x: 'y' }, annotations: { a: 'b' } },
    },
    templates: [errors],
    slot: { type: 'step', stepIndex: 2 },
    name: 'web-h2-2',
    newHash: 'h2',
    stableHash: 'h1',
    revision: '3',
  });

describe('buildAnalysisRun', () => {
  it('names, labels and owns the run; resolves the arguments the Rollout supplies', () => {
    const run = build([
      { name: 'service', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    ]);
    expect(run.metadata).toMatchObject({
      name: 'web-h2-2',
      namespace: 'shop',
      labels: {
        x: 'y',
        'rollouts-pod-template-hash': 'h2',
        'sluice.dev/analysis-type': 'step',
        'sluice.dev/step-index': '2',
      },
      annotations: { a: 'b', 'sluice.dev/rollout-revision': '3' },
      ownerReferences: [{ kind: 'Rollout', name: 'web', uid: 'u1', controller: true }],
    });
    expect(run.spec.args).toEqual([
      { name: 'service', value: 'payments' },
      { name: 'hash', value: 'h2' },
      { name: 'threshold', value: '0.05' },
    ]);
  });

  it('refuses arguments nobody gives a value', () => {
    expect(() => build([])).toThrow(AnalysisTemplateError);
  });
});
