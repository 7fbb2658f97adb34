import { describe, expect, it } from 'vitest';
import type { Argument } from '../../api/analysis.ts';
import type { Rollout } from '../../api/rollout.ts';
import { AnalysisSpecError, buildAnalysisRun, extractField, type NamedTemplate } from './run-builder.ts';

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

const errors: NamedTemplate = {
  name: 'errors',
  clusterScope: false,
  spec: {
    args: [{ name: 'service' }, { name: 'hash' }, { name: 'threshold', value: '0.05' }],
    metrics: [{ name: 'error-rate', provider: { prometheus: { address: 'http://p', query: 'q' } } }],
    dryRun: [{ metricName: 'error-rate' }],
  },
};
const latency: NamedTemplate = {
  name: 'latency',
  clusterScope: true,
  spec: {
    args: [{ name: 'service' }],
    metrics: [{ name: 'p99', provider: { web: { url: 'http://w' } } }],
    measurementRetention: [{ metricName: 'p99', limit: 3 }],
  },
};

const build = (
  templates: NamedTemplate[],
  args: Argument[] = [
    { name: 'service', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
    { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
  ],
) =>
  buildAnalysisRun({
    rollout,
    analysis: {
      templates: templates.map((t) => ({ templateName: t.name })),
      args,
      analysisRunMetadata: { labels: { x: 'y' } },
    },
    templates,
    slot: { type: 'step', stepIndex: 2 },
    name: 'web-h2-2',
    newHash: 'h2',
    stableHash: 'h1',
    revision: '3',
  });

describe('buildAnalysisRun', () => {
  it('merges the templates, resolves the arguments and owns the run', () => {
    const run = build([errors, latency]);
    expect(run.metadata).toMatchObject({
      name: 'web-h2-2',
      namespace: 'shop',
      labels: {
        x: 'y',
        'rollouts-pod-template-hash': 'h2',
        'sluice.dev/analysis-type': 'step',
        'sluice.dev/step-index': '2',
      },
      annotations: { 'sluice.dev/rollout-revision': '3' },
      ownerReferences: [{ kind: 'Rollout', name: 'web', uid: 'u1', controller: true }],
    });
    expect(run.spec.metrics.map((m) => m.name)).toEqual(['error-rate', 'p99']);
    expect(run.spec.args).toEqual([
      { name: 'service', value: 'payments' },
      { name: 'hash', value: 'h2' },
      { name: 'threshold', value: '0.05' },
    ]);
    expect(run.spec.dryRun).toEqual([{ metricName: 'error-rate' }]);
    expect(run.spec.measurementRetention).toEqual([{ metricName: 'p99', limit: 3 }]);
  });

  it('keeps a secret reference as a reference', () => {
    const run = build(
      [errors],
      [
        { name: 'service', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'hash', valueFrom: { podTemplateHashValue: 'Stable' } },
      ],
    );
    expect(run.spec.args?.[0]).toEqual({
      name: 'service',
      valueFrom: { secretKeyRef: { name: 's', key: 'k' } },
    });
    expect(run.spec.args?.[1]).toEqual({ name: 'hash', value: 'h1' });
  });

  it('refuses an argument nobody gives a value', () => {
    expect(() => build([errors], [])).toThrow(AnalysisSpecError);
    expect(() => build([errors], [])).toThrow(/argument "service" has no value/);
  });

  it('refuses the same metric in two templates', () => {
    expect(() => build([errors, { ...errors, name: 'again' }])).toThrow(
      /metric "error-rate" is defined by both/,
    );
  });

  it('reads fields of the Rollout by path', () => {
    expect(extractField(rollout, 'metadata.name')).toBe('web');
    expect(extractField(rollout, 'spec.template.spec.containers[0].image')).toBe('web:2');
    expect(extractField(rollout, "metadata.labels['team']")).toBe('payments');
    expect(extractField(rollout, 'metadata.annotations.none')).toBeUndefined();
  });
});
