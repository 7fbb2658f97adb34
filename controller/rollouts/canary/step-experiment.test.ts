import { describe, expect, it } from 'vitest';
import type { Rollout } from '../../api/rollout.ts';
import type { ReplicaSet } from '../replica-sets.ts';
import { buildStepExperiment } from './step-experiment.ts';

const rollout: Rollout = {
  metadata: { name: 'web', namespace: 'shop', uid: 'ro-uid', labels: { team: 'a' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'web:2' }] },
    },
    strategy: { canary: {} },
  },
};
const rs = (hash: string, image: string): ReplicaSet => ({
  metadata: { name: `web-${hash}` },
  spec: {
    selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': hash } },
    template: {
      metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});

const build = (step: Parameters<typeof buildStepExperiment>[0]['step'], stable = true) =>
  buildStepExperiment({
    rollout,
    step,
    stepIndex: 1,
    name: 'web-new-1-exp',
    newRS: rs('new', 'web:2'),
    stableRS: stable ? rs('old', 'web:1') : undefined,
    newHash: 'new',
    stableHash: stable ? 'old' : undefined,
    revision: '2',
  });

describe('buildStepExperiment', () => {
  it('runs the stable and canary versions with the step labels, owned by the Rollout', () => {
    const exp = build({
      duration: '5m',
      templates: [
        { name: 'baseline', specRef: 'stable', metadata: { labels: { role: 'baseline' } } },
        { name: 'canary', specRef: 'canary', replicas: 2 },
      ],
    });
    expect(exp.metadata).toMatchObject({
      name: 'web-new-1-exp',
      namespace: 'shop',
      labels: { 'rollouts-pod-template-hash': 'new', 'sluice.dev/step-index': '1' },
      annotations: { 'sluice.dev/rollout-revision': '2' },
      ownerReferences: [{ kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true }],
    });
    expect(exp.spec.duration).toBe('5m');
    const [baseline, canary] = exp.spec.templates;
    expect(baseline).toEqual({
      name: 'baseline',
      replicas: 1,
      selector: { matchLabels: { app: 'web', role: 'baseline' } },
      template: {
        metadata: { labels: { app: 'web', role: 'baseline' } },
        spec: { containers: [{ name: 'app', image: 'web:1' }] },
      },
    });
    expect(canary?.replicas).toBe(2);
    expect(canary?.template.spec).toEqual({ containers: [{ name: 'app', image: 'web:2' }] });
  });

  it('resolves podTemplateHashValue and fieldRef arguments from the Rollout', () => {
    const exp = build({
      templates: [{ name: 'canary', specRef: 'canary' }],
      analyses: [
        {
          name: 'compare',
          templateName: 'compare',
          requiredForCompletion: true,
          args: [
            { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
            { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
            { name: 'team', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
            { name: 'exp-hash', value: '{{templates.canary.podTemplateHash}}' },
          ],
        },
      ],
    });
    expect(exp.spec.analyses).toEqual([
      {
        name: 'compare',
        templateName: 'compare',
        requiredForCompletion: true,
        args: [
          { name: 'stable-hash', value: 'old' },
          { name: 'canary-hash', value: 'new' },
          { name: 'team', value: 'a' },
          { name: 'exp-hash', value: '{{templates.canary.podTemplateHash}}' },
        ],
      },
    ]);
  });

  it('refuses a stable template before there is a stable version, naming it', () => {
    expect(() => build({ templates: [{ name: 'baseline', specRef: 'stable' }] }, false)).toThrow(
      'template "baseline": there is no stable version yet',
    );
  });
});
