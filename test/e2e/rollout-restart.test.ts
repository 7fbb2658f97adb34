// The Rollout controller killed (SIGKILL) and started again mid-update continues from the
// status it left: the same step, the same AnalysisRun, the same pause start time.

import { describe, expect, it } from 'vitest';
import { errorsAnalysis, rolloutSuite, SLOW, template } from '../support/rollouts.ts';

const suite = rolloutSuite('rollout-restart');
const { ro } = suite;

describe('restart safety', () => {
  it(
    'continues from the same step after SIGKILL, never skipping or repeating an analysis',
    async () => {
      await ro.create('restart', {
        replicas: 2,
        selector: { matchLabels: { app: 'restart' } },
        template: template('restart', 'example.invalid/restart:1'),
        strategy: {
          canary: {
            steps: [{ setWeight: 50 }, { analysis: errorsAnalysis }, { pause: { duration: 20 } }],
          },
        },
      });
      await ro.waitFor('restart', (r) => expect(r.status?.phase).toBe('Healthy'));
      await ro.setImage('restart', 'example.invalid/restart:2');
      const run = await ro.waitForRun('restart', () => true);
      await ro.waitFor('restart', (r) =>
        expect(r.status?.canary?.currentStepAnalysisRunStatus?.name).toBe(run.metadata.name),
      );

      // Killed while the analysis step runs: the same run is picked up, none is started again.
      await suite.restartController('SIGKILL');
      // A spec change that leaves the pod template alone: once its generation is observed,
      // the new process has reconciled the Rollout and had its chance to start a run.
      await ro.kubectl([
        'patch',
        'rollout',
        'restart',
        '--type=merge',
        '-p',
        '{"spec":{"revisionHistoryLimit":9}}',
      ]);
      const generation = (await ro.get('restart')).metadata.generation;
      await ro.waitFor('restart', (r) => expect(r.status?.observedGeneration).toBe(generation));
      expect((await ro.runs('restart')).map((r) => r.metadata.name)).toEqual([run.metadata.name]);
      expect((await ro.get('restart')).status?.currentStepIndex).toBe(1);

      await ro.driveRun(run.metadata.name, 'Successful');
      const paused = await ro.waitFor('restart', (r) => {
        expect(r.status?.currentStepIndex).toBe(2);
        expect(r.status?.pauseConditions?.length).toBe(1);
      });
      const startTime = paused.status?.pauseConditions?.[0]?.startTime;

      // Killed during a timed pause: the pause keeps its start time and ends on schedule.
      await suite.restartController('SIGKILL');
      const resumed = await ro.get('restart');
      expect(resumed.status?.pauseConditions?.[0]?.startTime).toBe(startTime);
      const done = await ro.waitFor('restart', (r) => expect(r.status?.phase).toBe('Healthy'));
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(startTime ?? '') + 20_000);
      expect(done.status?.stableRS).toBe(done.status?.currentPodHash);
      expect((await ro.runs('restart')).map((r) => r.metadata.name)).toEqual([run.metadata.name]);
    },
    SLOW,
  );
});
