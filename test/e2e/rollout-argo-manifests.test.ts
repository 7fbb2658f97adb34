// Argo Rollouts' own example manifests, with only the apiVersion changed, run as they do
// under Argo Rollouts.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rolloutSuite, SLOW } from '../support/rollouts.ts';

const { ro } = rolloutSuite('rollout-argo');

describe('Argo Rollouts manifests with only the apiVersion changed', () => {
  const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

  it(
    'examples/rollout-canary.yaml: 20% canary, paused until promoted',
    async () => {
      await ro.kubectl(['apply', '-f', '-'], await readFile(fixture('argo-rollout-canary.yaml'), 'utf8'));
      const v1 = await ro.waitFor('rollout-canary', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.kubectl([
        'patch',
        'rollout',
        'rollout-canary',
        '--type=json',
        '-p',
        JSON.stringify([
          {
            op: 'replace',
            path: '/spec/template/spec/containers/0/image',
            value: 'argoproj/rollouts-demo:yellow',
          },
        ]),
      ]);
      const paused = await ro.waitFor('rollout-canary', (r) => {
        expect(r.status?.phase).toBe('Paused');
        expect(r.status?.currentStepIndex).toBe(1);
      });
      const [h1, h2] = [v1.status?.stableRS as string, paused.status?.currentPodHash as string];
      expect(await ro.scale('rollout-canary')).toMatchObject({ [h1]: { spec: 4 }, [h2]: { spec: 1 } });
      expect(paused.status?.canary?.weights?.canary?.weight).toBe(20);
      await ro.promoteFull('rollout-canary');
      await ro.waitFor('rollout-canary', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
    },
    SLOW,
  );

  it(
    'examples/rollout-template-ref.yaml: the pod template from a Deployment (workloadRef)',
    async () => {
      await ro.kubectl(
        ['apply', '-f', '-'],
        await readFile(fixture('argo-rollout-template-ref.yaml'), 'utf8'),
      );
      const v1 = await ro.waitFor('rollout-ref-deployment', (r) => expect(r.status?.phase).toBe('Healthy'));
      expect(v1.status?.selector).toBe('app=rollout-ref-deployment');
      expect(await ro.scale('rollout-ref-deployment')).toMatchObject({
        [v1.status?.stableRS as string]: { spec: 5 },
      });
    },
    SLOW,
  );

  it(
    'examples/rollout-bluegreen.yaml: preview, manual gate, switch',
    async () => {
      await ro.kubectl(['apply', '-f', '-'], await readFile(fixture('argo-rollout-bluegreen.yaml'), 'utf8'));
      const v1 = await ro.waitFor('rollout-bluegreen', (r) => expect(r.status?.phase).toBe('Healthy'));
      const h1 = v1.status?.stableRS as string;
      expect(await ro.selector('rollout-bluegreen-active')).toBe(h1);
      await ro.kubectl([
        'patch',
        'rollout',
        'rollout-bluegreen',
        '--type=json',
        '-p',
        JSON.stringify([
          {
            op: 'replace',
            path: '/spec/template/spec/containers/0/image',
            value: 'argoproj/rollouts-demo:green',
          },
        ]),
      ]);
      const paused = await ro.waitFor('rollout-bluegreen', (r) => expect(r.status?.phase).toBe('Paused'));
      const h2 = paused.status?.currentPodHash as string;
      expect(paused.status?.pauseConditions?.map((c) => c.reason)).toEqual(['BlueGreenPause']);
      expect(await ro.selector('rollout-bluegreen-preview')).toBe(h2);
      expect(await ro.selector('rollout-bluegreen-active')).toBe(h1);
      await ro.promote('rollout-bluegreen');
      await ro.waitFor('rollout-bluegreen', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      expect(await ro.selector('rollout-bluegreen-active')).toBe(h2);
    },
    SLOW,
  );
});
