// Canary Rollouts end to end without a traffic router: the weight is the share of pods, Services
// select the stable and canary versions, and every operation is a plain kubectl patch.

import { describe, expect, it } from 'vitest';
import { core } from '../../controller/kube/resources.ts';
import { type ReplicaSetLike, rolloutSuite, SLOW, service, template } from '../support/rollouts.ts';

const suite = rolloutSuite('rollout-canary');
const { cluster, ro } = suite;

describe('canary with replica ratio and Service selectors', () => {
  it(
    'moves through setWeight and pause steps, promoted by hand and by time',
    async () => {
      for (const name of ['web-stable', 'web-canary'])
        await cluster.api.create(core.services, service(ro.ns, name, 'web'));
      await ro.create('web', {
        replicas: 4,
        selector: { matchLabels: { app: 'web' } },
        template: template('web', 'example.invalid/web:1'),
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: 2 } }],
          },
        },
      });
      const v1 = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.availableReplicas).toBe(4);
      });
      const h1 = v1.status?.stableRS as string;
      expect(v1.status?.currentPodHash).toBe(h1);
      expect(v1.status?.currentStepIndex).toBe(4);
      expect(await ro.selector('web-stable')).toBe(h1);

      await ro.setImage('web', 'example.invalid/web:2');
      const paused = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      const h2 = paused.status?.currentPodHash as string;
      expect(h2).not.toBe(h1);
      expect(paused.status?.pauseConditions?.map((c) => c.reason)).toEqual(['CanaryPauseStep']);
      expect(paused.status?.controllerPause).toBe(true);
      expect(paused.status?.message).toContain('step 2/4');
      expect(paused.status?.canary?.weights?.canary?.weight).toBe(25);
      expect(await ro.scale('web')).toMatchObject({
        [h1]: { spec: 3, available: 3 },
        [h2]: { spec: 1, available: 1 },
      });
      expect(await ro.selector('web-stable')).toBe(h1);
      expect(await ro.selector('web-canary')).toBe(h2);

      await ro.promote('web');
      const done = await ro.waitFor('web', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      expect(done.status?.currentStepIndex).toBe(4);
      expect(done.status?.pauseConditions).toBeUndefined();
      expect(await ro.scale('web')).toMatchObject({ [h1]: { spec: 0 }, [h2]: { spec: 4, available: 4 } });
      expect(await ro.selector('web-stable')).toBe(h2);
      const reasons = (await ro.events('web')).map((e) => e.reason);
      expect(reasons).toContain('RolloutStepCompleted');
      expect(reasons).toContain('RolloutCompleted');
      expect(reasons).toContain('ScalingReplicaSet');
    },
    SLOW,
  );
});

describe('operations from plain kubectl', () => {
  it(
    'aborts by a status patch, returns traffic and pods to stable, and retries',
    async () => {
      await ro.create('ops', {
        replicas: 2,
        selector: { matchLabels: { app: 'ops' } },
        template: template('ops', 'example.invalid/ops:1'),
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      });
      const h1 = (await ro.waitFor('ops', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      await ro.setImage('ops', 'example.invalid/ops:2');
      const paused = await ro.waitFor('ops', (r) => expect(r.status?.phase).toBe('Paused'));
      const h2 = paused.status?.currentPodHash as string;
      expect(await ro.scale('ops')).toMatchObject({ [h1]: { spec: 1 }, [h2]: { spec: 1 } });

      await ro.abort('ops');
      const aborted = await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Degraded');
        expect(r.status?.currentStepIndex).toBe(0);
      });
      expect(aborted.status?.message).toContain('aborted');
      expect(aborted.status?.abortedAt).toBeDefined();
      expect(aborted.status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('RolloutAborted');
      await ro.waitFor('ops', async () => {
        expect(await ro.scale('ops')).toMatchObject({ [h1]: { spec: 2, available: 2 }, [h2]: { spec: 0 } });
      });
      expect((await ro.events('ops')).map((e) => e.reason)).toContain('RolloutAborted');

      await ro.retry('ops');
      const again = await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      expect(again.status?.abort).toBeUndefined();
      expect(await ro.scale('ops')).toMatchObject({ [h1]: { spec: 1 }, [h2]: { spec: 1 } });

      await ro.promoteFull('ops');
      await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
    },
    SLOW,
  );
  it(
    'scales through the scale subresource (as an HPA does) and pauses with spec.paused',
    async () => {
      await ro.kubectl(['scale', 'rollout', 'ops', '--replicas=3']);
      const scaled = await ro.waitFor('ops', (r) => expect(r.status?.availableReplicas).toBe(3));
      expect(scaled.status?.selector).toBe('app=ops');
      const scale = JSON.parse(
        await ro.kubectl([
          'get',
          '--raw',
          `/apis/sluice.dev/v1alpha1/namespaces/${ro.ns}/rollouts/ops/scale`,
        ]),
      );
      expect(scale).toMatchObject({ spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=ops' } });

      await ro.kubectl(['patch', 'rollout', 'ops', '--type=merge', '-p', '{"spec":{"paused":true}}']);
      await ro.setImage('ops', 'example.invalid/ops:3');
      const held = await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.observedGeneration).toBe(r.metadata.generation);
      });
      expect(held.status?.message).toContain('manually paused');
      expect(Object.keys(await ro.scale('ops'))).toHaveLength(2);

      await ro.kubectl(['patch', 'rollout', 'ops', '--type=merge', '-p', '{"spec":{"paused":false}}']);
      const paused = await ro.waitFor('ops', (r) => {
        expect(r.status?.pauseConditions?.[0]?.reason).toBe('CanaryPauseStep');
      });
      expect(Object.keys(await ro.scale('ops'))).toHaveLength(3);
      await ro.promoteFull('ops');
      await ro.waitFor('ops', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(paused.status?.currentPodHash);
      });
    },
    SLOW,
  );

  it(
    'going back within rollbackWindow skips the steps',
    async () => {
      await ro.create('undo', {
        replicas: 1,
        rollbackWindow: { revisions: 2 },
        selector: { matchLabels: { app: 'undo' } },
        template: template('undo', 'example.invalid/undo:1'),
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      });
      const h1 = (await ro.waitFor('undo', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      await ro.setImage('undo', 'example.invalid/undo:2');
      await ro.waitFor('undo', (r) => expect(r.status?.phase).toBe('Paused'));
      await ro.promoteFull('undo');
      await ro.waitFor('undo', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).not.toBe(h1);
      });
      await ro.setImage('undo', 'example.invalid/undo:1');
      const back = await ro.waitFor('undo', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h1);
      });
      expect(back.status?.pauseConditions).toBeUndefined();
      const rs = (await ro.replicaSets('undo')).find(
        (x) => x.metadata.labels?.['rollouts-pod-template-hash'] === h1,
      );
      expect(rs?.metadata.annotations?.['sluice.dev/revision']).toBe('3');
    },
    SLOW,
  );

  it(
    'progressDeadlineAbort: an update that cannot progress aborts by itself',
    async () => {
      await ro.create('stuck', {
        replicas: 1,
        progressDeadlineSeconds: 10,
        progressDeadlineAbort: true,
        selector: { matchLabels: { app: 'stuck' } },
        template: template('stuck', 'example.invalid/stuck:1'),
        strategy: { canary: { steps: [{ setWeight: 100 }] } },
      });
      const h1 = (await ro.waitFor('stuck', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      // Pods of the new version can never be scheduled.
      const noNode = [
        { op: 'add', path: '/spec/template/spec/nodeSelector', value: { 'sluice.dev/no-such-node': 'x' } },
      ];
      await ro.kubectl(['patch', 'rollout', 'stuck', '--type=json', '-p', JSON.stringify(noNode)]);
      const aborted = await ro.waitFor('stuck', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.abort).toBe(true);
      expect(aborted.status?.message).toContain('timed out progressing');
      await ro.waitFor('stuck', async () => {
        const scale = await ro.scale('stuck');
        expect(scale[h1]).toMatchObject({ spec: 1, available: 1 });
        expect(Object.entries(scale).every(([h, v]) => h === h1 || v.spec === 0)).toBe(true);
      });
    },
    SLOW,
  );
});

describe('workloadRef', () => {
  it(
    'takes the template from a Deployment, follows its changes, and scales it down once healthy',
    async () => {
      await cluster.api.create(core.deployments, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'legacy', namespace: ro.ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'legacy' } },
          template: template('legacy', 'example.invalid/legacy:1'),
        },
      });
      await ro.create('legacy', {
        replicas: 2,
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'legacy', scaleDown: 'onsuccess' },
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
      });
      const v1 = await ro.waitFor('legacy', (r) => expect(r.status?.phase).toBe('Healthy'));
      expect(v1.status?.selector).toBe('app=legacy');
      await ro.waitFor('legacy', async () => {
        const d = await ro.cluster.api.get<ReplicaSetLike>(core.deployments, ro.ns, 'legacy');
        expect(d.spec.replicas).toBe(0);
      });
      // Scaling the Deployment down bumps its generation; the Rollout records the one it
      // has observed, and converges on the current one.
      await ro.waitFor('legacy', async (r) => {
        const d = await ro.cluster.api.get<ReplicaSetLike>(core.deployments, ro.ns, 'legacy');
        expect(r.status?.workloadObservedGeneration).toBe(d.metadata.generation);
      });

      const image = [
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'example.invalid/legacy:2' },
      ];
      await ro.kubectl(['patch', 'deployment', 'legacy', '--type=json', '-p', JSON.stringify(image)]);
      const paused = await ro.waitFor('legacy', (r) => expect(r.status?.phase).toBe('Paused'));
      expect(paused.status?.currentPodHash).not.toBe(v1.status?.stableRS);
      await ro.promote('legacy');
      await ro.waitFor('legacy', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(paused.status?.currentPodHash);
      });
    },
    SLOW,
  );
});
