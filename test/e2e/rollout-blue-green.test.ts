// Blue-green Rollouts end to end: preview, analysis before and after the switch, the switch
// of the active Service, and the way back when post-promotion analysis fails.

import { beforeAll, describe, expect, it } from 'vitest';
import { core } from '../../controller/kube/resources.ts';
import { errorsAnalysis, rolloutSuite, SLOW, service, template } from '../support/rollouts.ts';

const suite = rolloutSuite('rollout-bluegreen');
const { cluster, ro } = suite;

describe('blue-green', () => {
  beforeAll(async () => {
    for (const name of ['bg-active', 'bg-preview'])
      await cluster.api.create(core.services, service(ro.ns, name, 'bluegreen'));
  }, SLOW);

  it(
    'previews, runs pre- and post-promotion analysis, switches and keeps the old version for scaleDownDelaySeconds',
    async () => {
      const analysis = errorsAnalysis;
      await ro.create('bluegreen', {
        replicas: 2,
        selector: { matchLabels: { app: 'bluegreen' } },
        template: template('bluegreen', 'example.invalid/bg:1'),
        strategy: {
          blueGreen: {
            activeService: 'bg-active',
            previewService: 'bg-preview',
            previewReplicaCount: 1,
            // The old version goes at the delay even while post-promotion analysis runs: the
            // checks after the switch, and the second test's failed analysis, must come within
            // it on a loaded machine. At 5 s they did not always.
            scaleDownDelaySeconds: 20,
            prePromotionAnalysis: analysis,
            postPromotionAnalysis: analysis,
          },
        },
      });
      const v1 = await ro.waitFor('bluegreen', (r) => expect(r.status?.phase).toBe('Healthy'));
      const h1 = v1.status?.stableRS as string;
      expect(v1.status?.blueGreen?.activeSelector).toBe(h1);
      expect(await ro.selector('bg-active')).toBe(h1);

      await ro.setImage('bluegreen', 'example.invalid/bg:2');
      const pre = await ro.waitForRun('bluegreen', (n) => n.endsWith('-pre'));
      const h2 = (await ro.get('bluegreen')).status?.currentPodHash as string;
      expect(await ro.selector('bg-preview')).toBe(h2);
      expect(await ro.selector('bg-active')).toBe(h1);
      expect(await ro.scale('bluegreen')).toMatchObject({
        [h1]: { spec: 2 },
        [h2]: { spec: 1, available: 1 },
      });

      await ro.driveRun(pre.metadata.name, 'Successful');
      const post = await ro.waitForRun('bluegreen', (n) => n.endsWith('-post'), 90_000);
      expect(await ro.selector('bg-active')).toBe(h2);
      const mid = await ro.get('bluegreen');
      expect(mid.status?.stableRS).toBe(h1);
      expect(mid.status?.blueGreen?.activeSelector).toBe(h2);
      expect(await ro.scale('bluegreen')).toMatchObject({ [h1]: { spec: 2 }, [h2]: { spec: 2 } });

      await ro.driveRun(post.metadata.name, 'Successful');
      await ro.waitFor('bluegreen', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
      await ro.waitFor('bluegreen', async () => {
        expect(await ro.scale('bluegreen')).toMatchObject({ [h1]: { spec: 0 }, [h2]: { spec: 2 } });
      });
    },
    SLOW,
  );

  it(
    'a failed post-promotion analysis switches the active Service back to stable',
    async () => {
      const stable = (await ro.get('bluegreen')).status?.stableRS as string;
      await ro.setImage('bluegreen', 'example.invalid/bg:3');
      const next = (await ro.waitFor('bluegreen', (r) => expect(r.status?.currentPodHash).not.toBe(stable)))
        .status?.currentPodHash as string;
      const pre = await ro.waitForRun('bluegreen', (n) => n === `bluegreen-${next}-pre`);
      await ro.driveRun(pre.metadata.name, 'Successful');
      const post = await ro.waitForRun('bluegreen', (n) => n === `bluegreen-${next}-post`, 90_000);
      expect(await ro.selector('bg-active')).toBe(next);
      await ro.driveRun(post.metadata.name, 'Failed', 'error-rate', '0.5');
      const aborted = await ro.waitFor('bluegreen', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.message).toContain('post-promotion analysis');
      expect(await ro.selector('bg-active')).toBe(stable);
    },
    SLOW,
  );
});
