import { describe, expect, it } from 'vitest';
import type { Experiment } from '../api/experiment.ts';
import { buildTemplateReplicaSet, resolveTemplateRefs, templateHash } from './template-replica-sets.ts';

const exp = (name = 'web-exp'): Experiment => ({
  metadata: { name, namespace: 'shop', uid: 'exp-uid' },
  spec: {
    templates: [
      {
        name: 'canary',
        replicas: 2,
        selector: { matchLabels: { app: 'web', 'rollouts-pod-template-hash': 'abc' } },
        template: {
          metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': 'abc' } },
          spec: { containers: [{ name: 'app', image: 'web:2' }] },
        },
      },
    ],
  },
});

describe('buildTemplateReplicaSet', () => {
  it('runs the template under its own hash, owned by the Experiment', () => {
    const e = exp();
    const template = e.spec.templates[0];
    if (template === undefined) throw new Error('no template');
    const hash = templateHash(e, template);
    expect(hash).not.toBe('abc');
    const rs = buildTemplateReplicaSet(e, template);
    expect(rs.metadata).toMatchObject({
      name: 'web-exp-canary',
      namespace: 'shop',
      labels: { app: 'web', 'rollouts-pod-template-hash': hash, 'sluice.dev/experiment-template': 'canary' },
      ownerReferences: [{ kind: 'Experiment', name: 'web-exp', uid: 'exp-uid', controller: true }],
    });
    expect(rs.spec.replicas).toBe(2);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'rollouts-pod-template-hash': hash });
    expect(rs.spec.template.metadata?.labels?.['rollouts-pod-template-hash']).toBe(hash);
  });

  it('gives the same template another hash in another Experiment', () => {
    const a = exp('one');
    const b = exp('two');
    const t = a.spec.templates[0];
    if (t === undefined) throw new Error('no template');
    expect(templateHash(a, t)).not.toBe(templateHash(b, t));
  });
});

describe('resolveTemplateRefs', () => {
  const statuses = [
    {
      name: 'canary',
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      status: 'Running' as const,
      podTemplateHash: 'h1',
    },
  ];

  it('fills the pod-template-hash and ReplicaSet name of a template', () => {
    expect(
      resolveTemplateRefs(
        exp(),
        [
          { name: 'hash', value: '{{templates.canary.podTemplateHash}}' },
          { name: 'rs', value: 'rs={{ templates.canary.replicaset.name }}' },
          { name: 'plain', value: 'x' },
        ],
        statuses,
      ),
    ).toEqual([
      { name: 'hash', value: 'h1' },
      { name: 'rs', value: 'rs=web-exp-canary' },
      { name: 'plain', value: 'x' },
    ]);
  });

  it('refuses a template the Experiment does not have, naming the argument', () => {
    expect(() =>
      resolveTemplateRefs(
        exp(),
        [{ name: 'hash', value: '{{templates.baseline.podTemplateHash}}' }],
        statuses,
      ),
    ).toThrow('argument "hash" refers to template "baseline", which the Experiment does not have');
  });
});
