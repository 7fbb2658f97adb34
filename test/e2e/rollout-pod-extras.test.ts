// What a Rollout's pods carry besides its template, by the part they play: ephemeral metadata
// (canaryMetadata / stableMetadata) on the ReplicaSets and the running pods, and antiAffinity
// on the canary's template, both following a promotion without restarting a pod.

import { describe, expect, it } from 'vitest';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { eventually } from '../support/cluster.ts';
import { rolloutSuite, service, template } from '../support/rollouts.ts';

const suite = rolloutSuite('rollout-pod-extras');
const { cluster, ro } = suite;

const pods = async (hash: string) =>
  (
    await cluster.api.list<KubeObject>(core.pods, ro.ns, {
      labelSelector: `rollouts-pod-template-hash=${hash}`,
    })
  ).items.filter((p) => !p.metadata.deletionTimestamp);
const replicaSet = (hash: string) => cluster.api.get<ReplicaSet>(core.replicaSets, ro.ns, `web-${hash}`);

describe('ephemeral metadata and anti-affinity', () => {
  it('labels canary and stable pods by role, keeps the canary off stable nodes, and follows the promotion', async () => {
    await ro.create('web', {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: template('web', 'example.invalid/web:1'),
      strategy: {
        canary: {
          canaryMetadata: { labels: { role: 'canary' }, annotations: { 'example.com/note': 'under test' } },
          stableMetadata: { labels: { role: 'stable' } },
          antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 50 } },
          steps: [{ setWeight: 50 }, { pause: {} }],
        },
      },
    });
    const h1 = (await ro.waitFor('web', (r) => expect(r.status?.phase).toBe('Healthy'), 90_000)).status
      ?.stableRS as string;
    // The first version is stable from the start: stable metadata, no anti-affinity.
    await eventually(async () => {
      const stable = await pods(h1);
      expect(stable).toHaveLength(2);
      for (const p of stable) expect(p.metadata.labels?.role).toBe('stable');
    }, 60_000);
    expect((await replicaSet(h1)).spec.template.spec?.affinity).toBeUndefined();

    await ro.setImage('web', 'example.invalid/web:2');
    const h2 = (
      await ro.waitFor(
        'web',
        (r) => expect(r.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 }),
        90_000,
      )
    ).status?.currentPodHash as string;
    const canaryRS = await replicaSet(h2);
    expect(canaryRS.spec.template.metadata?.labels?.role).toBe('canary');
    expect(canaryRS.spec.template.spec?.affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 50,
            podAffinityTerm: {
              labelSelector: {
                matchExpressions: [{ key: 'rollouts-pod-template-hash', operator: 'In', values: [h1] }],
              },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    });
    const [canaryPod] = await pods(h2);
    expect(canaryPod?.metadata.labels?.role).toBe('canary');
    expect(canaryPod?.metadata.annotations?.['example.com/note']).toBe('under test');
    expect(canaryPod?.spec).toMatchObject({ affinity: canaryRS.spec.template.spec?.affinity });
    for (const p of await pods(h1)) expect(p.metadata.labels?.role).toBe('stable');

    await ro.promote('web');
    await ro.waitFor(
      'web',
      (r) => expect(r.status).toMatchObject({ phase: 'Healthy', stableRS: h2 }),
      90_000,
    );
    // The canary pods that were there become stable pods in place: same names, new labels.
    await eventually(async () => {
      const promoted = await replicaSet(h2);
      expect(promoted.spec.template.metadata?.labels?.role).toBe('stable');
      expect(promoted.spec.template.metadata?.annotations?.['example.com/note']).toBeUndefined();
      expect(promoted.spec.template.spec?.affinity).toBeUndefined();
      const now = await pods(h2);
      expect(now.map((p) => p.metadata.name)).toContain(canaryPod?.metadata.name);
      for (const p of now) {
        expect(p.metadata.labels?.role).toBe('stable');
        expect(p.metadata.annotations?.['example.com/note']).toBeUndefined();
      }
    }, 60_000);
  }, 300_000);

  it('gives blue-green preview pods previewMetadata until the switch makes them active', async () => {
    for (const name of ['bg-active', 'bg-preview'])
      await cluster.api.create(core.services, service(ro.ns, name, 'bg'));
    await ro.create('bg', {
      replicas: 1,
      selector: { matchLabels: { app: 'bg' } },
      template: template('bg', 'example.invalid/bg:1'),
      strategy: {
        blueGreen: {
          activeService: 'bg-active',
          previewService: 'bg-preview',
          autoPromotionEnabled: false,
          activeMetadata: { labels: { role: 'active' } },
          previewMetadata: { labels: { role: 'preview' } },
        },
      },
    });
    const h1 = (await ro.waitFor('bg', (r) => expect(r.status?.phase).toBe('Healthy'), 90_000)).status
      ?.stableRS as string;
    await ro.setImage('bg', 'example.invalid/bg:2');
    const h2 = (await ro.waitFor('bg', (r) => expect(r.status?.phase).toBe('Paused'), 90_000)).status
      ?.currentPodHash as string;
    await eventually(async () => {
      for (const p of await pods(h2)) expect(p.metadata.labels?.role).toBe('preview');
      for (const p of await pods(h1)) expect(p.metadata.labels?.role).toBe('active');
      expect(await pods(h2)).toHaveLength(1);
    }, 60_000);
    const [preview] = await pods(h2);
    await ro.promote('bg');
    await ro.waitFor('bg', (r) => expect(r.status?.blueGreen?.activeSelector).toBe(h2), 90_000);
    await eventually(async () => {
      const now = await pods(h2);
      expect(now.map((p) => p.metadata.name)).toEqual([preview?.metadata.name]);
      expect(now[0]?.metadata.labels?.role).toBe('active');
    }, 60_000);
  }, 300_000);

  it('refuses ephemeral labels that would change what the selector matches', async () => {
    await ro.create('clash', {
      replicas: 1,
      selector: { matchLabels: { app: 'clash' } },
      template: template('clash', 'example.invalid/clash:1'),
      strategy: { canary: { canaryMetadata: { labels: { app: 'other' } } } },
    });
    const stalled = await ro.waitFor('clash', (r) =>
      expect(r.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
        status: 'True',
        reason: 'InvalidSpec',
      }),
    );
    expect(stalled.status?.message).toContain('spec.strategy.canary.canaryMetadata.labels.app');
  });
});
