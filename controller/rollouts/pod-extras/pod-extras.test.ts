import { describe, expect, it } from 'vitest';
import type { Rollout } from '../../api/rollout.ts';
import { buildReplicaSet, sameTemplate } from '../replica-sets.ts';
import {
  applyExtras,
  EPHEMERAL_METADATA_ANNOTATION,
  extrasChange,
  podExtras,
  recordOf,
  withoutExtras,
} from './pod-extras.ts';

const rollout = (canary: NonNullable<Rollout['spec']['strategy']['canary']>): Rollout => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'app', image: 'web:1' }],
        affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      },
    },
    strategy: { canary },
  },
});

const canary = {
  canaryMetadata: { labels: { role: 'canary' }, annotations: { note: 'new' } },
  stableMetadata: { labels: { role: 'stable' } },
  antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 40 } },
};

describe('podExtras', () => {
  it('gives a canary its metadata and a preferred anti-affinity term against the stable hash', () => {
    const ro = rollout(canary);
    const extras = podExtras(ro, ro.spec.template, 'canary', 'stable1', 'new1');
    expect(extras.metadata).toEqual({ labels: { role: 'canary' }, annotations: { note: 'new' } });
    expect(extras.affinity).toEqual({
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 40,
            podAffinityTerm: {
              labelSelector: {
                matchExpressions: [
                  { key: 'rollouts-pod-template-hash', operator: 'In', values: ['stable1'] },
                ],
              },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    });
  });
  it('gives the stable pods their metadata and only the template affinity', () => {
    const ro = rollout({ ...canary, antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } });
    const extras = podExtras(ro, ro.spec.template, 'stable', 'h1', 'h1');
    expect(extras.metadata.labels).toEqual({ role: 'stable' });
    expect(extras.affinity).toEqual(ro.spec.template?.spec?.affinity);
  });
});

describe('a change of role', () => {
  it('trades the canary metadata for the stable metadata and drops the injected term', () => {
    const ro = rollout(canary);
    const asCanary = podExtras(ro, ro.spec.template, 'canary', 'h0', 'h1');
    const rs = buildReplicaSet(ro, 'h1', 1, 2, asCanary);
    expect(rs.metadata.annotations?.[EPHEMERAL_METADATA_ANNOTATION]).toBe(recordOf(asCanary));
    expect(rs.spec.template.metadata?.labels).toEqual({
      app: 'web',
      role: 'canary',
      'rollouts-pod-template-hash': 'h1',
    });
    // The ReplicaSet's own labels (and so its selector) carry no ephemeral label.
    expect(rs.metadata.labels).toEqual({ app: 'web', 'rollouts-pod-template-hash': 'h1' });

    const promoted = extrasChange(rs, podExtras(ro, ro.spec.template, 'stable', 'h1', 'h1'));
    expect(promoted.podMetadata).toEqual({ labels: { role: 'stable' }, annotations: { note: null } });
    expect(promoted.affinity).toEqual(ro.spec.template?.spec?.affinity);
    expect(extrasChange(rs, asCanary)).toEqual({ podMetadata: undefined, affinity: undefined });
  });
  it('takes everything off once the Rollout no longer asks for extras', () => {
    const ro = rollout(canary);
    const rs = buildReplicaSet(ro, 'h1', 1, 2, podExtras(ro, ro.spec.template, 'canary', 'h0', 'h1'));
    const plain = rollout({});
    const change = extrasChange(rs, podExtras(plain, plain.spec.template, 'canary', 'h0', 'h1'));
    expect(change.podMetadata).toEqual({ labels: { role: null }, annotations: { note: null } });
    expect(change.affinity).toEqual(plain.spec.template?.spec?.affinity);
  });
});

describe('withoutExtras', () => {
  it('gives back the template the ReplicaSet was made from, so undo and adoption see the version', () => {
    const ro = rollout({ ...canary, antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } });
    const extras = podExtras(ro, ro.spec.template, 'canary', 'h0', 'h1');
    const rs = buildReplicaSet(ro, 'h1', 1, 2, extras);
    expect(applyExtras(ro.spec.template ?? {}, extras).spec?.affinity).not.toEqual(
      ro.spec.template?.spec?.affinity,
    );
    const base = withoutExtras(rs);
    expect(base.spec).toEqual(ro.spec.template?.spec);
    expect(base.metadata?.annotations).toBeUndefined();
    expect(sameTemplate(rs, ro)).toBe(true);
  });
});
