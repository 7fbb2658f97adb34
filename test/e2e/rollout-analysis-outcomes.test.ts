// How a Rollout reacts to its AnalysisRuns' outcomes. The outcomes are written into the runs'
// status by the tests (as the AnalysisRun controller would after measuring); the measuring
// itself is tested in analysis.test.ts and rollout-analysis.test.ts.

import { describe, expect, it } from 'vitest';
import type { CanaryStep } from '../../controller/api/rollout.ts';
import { eventually } from '../support/cluster.ts';
import { errorsAnalysis, rolloutSuite, SLOW, template } from '../support/rollouts.ts';

const { ro } = rolloutSuite('rollout-outcomes');

describe('analysis', () => {
  const analysed = (name: string, steps: CanaryStep[]) =>
    ro.create(name, {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: template(name, `example.invalid/${name}:1`),
      strategy: { canary: { steps } },
    });
  const errorsStep = { analysis: errorsAnalysis };

  it(
    'a failed analysis aborts by itself, naming the metric and value; retry runs a fresh analysis',
    async () => {
      await analysed('fail', [{ setWeight: 50 }, errorsStep]);
      const h1 = (await ro.waitFor('fail', (r) => expect(r.status?.phase).toBe('Healthy'))).status
        ?.stableRS as string;
      await ro.setImage('fail', 'example.invalid/fail:2');
      const first = await ro.waitForRun('fail', () => true);
      const h2 = (await ro.get('fail')).status?.currentPodHash as string;
      expect(first.metadata.name).toBe(`fail-${h2}-1`);
      expect(first.spec.args).toContainEqual({ name: 'canary-hash', value: h2 });
      expect(first.spec.args).toContainEqual({ name: 'service', value: 'web' });
      expect(first.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'Rollout',
        name: 'fail',
        controller: true,
      });

      await ro.driveRun(first.metadata.name, 'Failed', 'error-rate', '0.12');
      const aborted = await ro.waitFor('fail', (r) => expect(r.status?.phase).toBe('Degraded'));
      expect(aborted.status?.message).toContain('metric "error-rate" failed with value 0.12');
      expect(aborted.status?.canary?.currentStepAnalysisRunStatus).toMatchObject({
        name: first.metadata.name,
        status: 'Failed',
      });
      // Events are recorded after the status is written: wait for this one rather than assume it.
      await eventually(async () => {
        const warning = (await ro.events('fail')).find((e) => e.reason === 'AnalysisRunFailed');
        expect(warning?.type).toBe('Warning');
        expect(warning?.note).toContain('0.12');
      });
      await ro.waitFor('fail', async () => {
        expect(await ro.scale('fail')).toMatchObject({ [h1]: { spec: 2, available: 2 }, [h2]: { spec: 0 } });
      });

      await ro.retry('fail');
      const second = await ro.waitForRun('fail', (n) => n !== first.metadata.name);
      expect(second.metadata.name.startsWith(`fail-${h2}-1-`)).toBe(true);
      expect((await ro.runs('fail')).map((r) => r.metadata.name)).toContain(first.metadata.name);
      await ro.driveRun(second.metadata.name, 'Successful');
      await ro.waitFor('fail', (r) => {
        expect(r.status?.phase).toBe('Healthy');
        expect(r.status?.stableRS).toBe(h2);
      });
    },
    SLOW,
  );

  it(
    'an inconclusive analysis pauses; promoting runs the analysis again',
    async () => {
      await analysed('unsure', [errorsStep]);
      await ro.waitFor('unsure', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('unsure', 'example.invalid/unsure:2');
      const first = await ro.waitForRun('unsure', () => true);
      await ro.driveRun(first.metadata.name, 'Inconclusive');
      const paused = await ro.waitFor('unsure', (r) => expect(r.status?.phase).toBe('Paused'));
      expect(paused.status?.pauseConditions?.map((c) => c.reason)).toEqual(['InconclusiveAnalysisRun']);
      expect(paused.status?.message).toContain('promote to run the analysis again');

      await ro.promote('unsure');
      const second = await ro.waitForRun('unsure', (n) => n === `${first.metadata.name}.1`);
      await ro.driveRun(second.metadata.name, 'Successful');
      await ro.waitFor('unsure', (r) => expect(r.status?.phase).toBe('Healthy'));
    },
    SLOW,
  );

  it(
    'background analysis from its starting step aborts the update when it fails',
    async () => {
      await ro.create('bg', {
        replicas: 2,
        selector: { matchLabels: { app: 'bg' } },
        template: template('bg', 'example.invalid/bg:1'),
        strategy: {
          canary: {
            analysis: { ...errorsAnalysis, startingStep: 1 },
            steps: [{ setWeight: 50 }, { pause: {} }],
          },
        },
      });
      await ro.waitFor('bg', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('bg', 'example.invalid/bg:2');
      const run = await ro.waitForRun('bg', (n) => n.endsWith('-background'));
      const r = await ro.get('bg');
      expect(r.status?.currentStepIndex).toBe(1);
      expect(run.metadata.labels?.['sluice.dev/analysis-type']).toBe('background');
      await ro.driveRun(run.metadata.name, 'Failed', 'error-rate', '0.3');
      const aborted = await ro.waitFor('bg', (x) => expect(x.status?.phase).toBe('Degraded'));
      expect(aborted.status?.message).toContain('background analysis');
      expect(aborted.status?.message).toContain('0.3');
    },
    SLOW,
  );
});
