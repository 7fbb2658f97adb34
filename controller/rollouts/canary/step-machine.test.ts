import { describe, expect, it } from 'vitest';
import type { CanaryStep, PauseCondition } from '../../api/rollout.ts';
import { PauseState } from '../pause.ts';
import { type CanaryProgressInput, decideCanaryProgress, reconcilePauseStep } from './step-machine.ts';

const steps: CanaryStep[] = [
  { setWeight: 25 },
  { pause: {} },
  { analysis: { templates: [{ templateName: 't' }] } },
  { pause: { duration: 60 } },
];
const now = new Date('2026-01-01T00:01:00Z');

function input(over: Partial<CanaryProgressInput> & { pause?: PauseState } = {}): CanaryProgressInput {
  return {
    steps,
    index: 0,
    specPaused: false,
    pause: new PauseState({}),
    now,
    atDesiredReplicas: true,
    weightVerified: undefined,
    stepRunPhase: undefined,
    promoteFull: false,
    hasStable: true,
    newFullyAvailable: false,
    ...over,
  };
}

const cond = (reason: PauseCondition['reason'], startTime: string): PauseCondition => ({ reason, startTime });

describe('canary step machine', () => {
  it('completes a setWeight step once the replicas are there and the weight is verified', () => {
    expect(decideCanaryProgress(input()).index).toBe(1);
    expect(decideCanaryProgress(input({ atDesiredReplicas: false })).index).toBe(0);
    expect(decideCanaryProgress(input({ weightVerified: false })).index).toBe(0);
    expect(decideCanaryProgress(input()).completed).toEqual({ from: 0, step: 'setWeight: 25' });
  });

  it('completes a header or mirror route step at once: its route was written before', () => {
    const routeSteps: CanaryStep[] = [{ setHeaderRoute: { name: 'h' } }, { setMirrorRoute: { name: 'm' } }];
    const atHeader = decideCanaryProgress(input({ steps: routeSteps, atDesiredReplicas: false }));
    expect(atHeader).toMatchObject({ index: 1, completed: { from: 0, step: 'setHeaderRoute: h' } });
    expect(decideCanaryProgress(input({ steps: routeSteps, index: 1 })).completed?.step).toBe(
      'setMirrorRoute: m',
    );
  });

  it('pauses at a pause step, then continues when a person clears the pause', () => {
    const first = new PauseState({});
    expect(
      reconcilePauseStep({ steps, index: 1, specPaused: false, promoteFull: false, pause: first, now }),
    ).toEqual({});
    expect(first.result(now).pauseConditions?.[0]?.reason).toBe('CanaryPauseStep');
    expect(decideCanaryProgress(input({ index: 1, pause: first })).index).toBe(1);

    const paused = new PauseState({
      pauseConditions: [cond('CanaryPauseStep', '2026-01-01T00:00:00Z')],
      controllerPause: true,
    });
    expect(decideCanaryProgress(input({ index: 1, pause: paused })).index).toBe(1);

    const resumed = new PauseState({ controllerPause: true });
    reconcilePauseStep({ steps, index: 1, specPaused: false, promoteFull: false, pause: resumed, now });
    expect(resumed.addsPause).toBe(false);
    expect(decideCanaryProgress(input({ index: 1, pause: resumed })).index).toBe(2);
  });

  it('ends a timed pause when its time has come, and says when to look again before', () => {
    const early = new PauseState({
      pauseConditions: [cond('CanaryPauseStep', '2026-01-01T00:00:30Z')],
      controllerPause: true,
    });
    expect(
      reconcilePauseStep({ steps, index: 3, specPaused: false, promoteFull: false, pause: early, now }),
    ).toEqual({
      requeueAfterMs: 30_000,
    });
    expect(decideCanaryProgress(input({ index: 3, pause: early })).index).toBe(3);
    const due = new PauseState({
      pauseConditions: [cond('CanaryPauseStep', '2026-01-01T00:00:00Z')],
      controllerPause: true,
    });
    const progress = decideCanaryProgress(input({ index: 3, pause: due }));
    expect(progress.index).toBe(4);
    expect(due.result(now).pauseConditions).toBeUndefined();
  });

  it('passes an analysis step only when its run succeeded', () => {
    expect(decideCanaryProgress(input({ index: 2, stepRunPhase: 'Running' })).index).toBe(2);
    expect(decideCanaryProgress(input({ index: 2, stepRunPhase: 'Inconclusive' })).index).toBe(2);
    expect(decideCanaryProgress(input({ index: 2, stepRunPhase: 'Successful' })).index).toBe(3);
  });

  it('promotes when every step is done and the new version is fully available', () => {
    expect(decideCanaryProgress(input({ index: 4 })).promote).toBeUndefined();
    expect(decideCanaryProgress(input({ index: 4, newFullyAvailable: true })).promote).toBe(
      'Completed all 4 canary steps',
    );
    expect(decideCanaryProgress(input({ hasStable: false })).promote).toBe('Initial deploy');
  });

  it('on promote --full, skips every step and promotes once available', () => {
    const pause = new PauseState({ pauseConditions: [cond('CanaryPauseStep', 'x')], controllerPause: true });
    expect(decideCanaryProgress(input({ index: 1, promoteFull: true, pause })).index).toBe(4);
    expect(
      decideCanaryProgress(input({ index: 1, promoteFull: true, newFullyAvailable: true })).promote,
    ).toBe('Full promotion requested');
  });

  it('an abort goes back to the first step and never promotes', () => {
    const pause = new PauseState({ abort: true });
    expect(decideCanaryProgress(input({ index: 3, pause, newFullyAvailable: true }))).toEqual({ index: 0 });
  });

  it('stands still while spec.paused', () => {
    expect(decideCanaryProgress(input({ specPaused: true })).index).toBe(0);
    const pause = new PauseState({});
    expect(reconcilePauseStep({ steps, index: 1, specPaused: true, promoteFull: false, pause, now })).toEqual(
      {},
    );
    expect(pause.addsPause).toBe(false);
  });

  it('completes an experiment step when its Experiment succeeds, and an inconclusive one only when promoted', () => {
    const withExperiment: CanaryStep[] = [
      { experiment: { templates: [{ name: 'canary', specRef: 'canary' }] } },
    ];
    const at = (over: Partial<CanaryProgressInput>) =>
      decideCanaryProgress(input({ steps: withExperiment, ...over }));
    expect(at({ stepExperimentPhase: 'Running' }).index).toBe(0);
    expect(at({ stepExperimentPhase: 'Successful' })).toMatchObject({
      index: 1,
      completed: { from: 0, step: 'experiment (canary)' },
    });
    expect(at({ stepExperimentPhase: 'Inconclusive' }).index).toBe(0);
    const promoted = new PauseState({ controllerPause: true });
    expect(at({ stepExperimentPhase: 'Inconclusive', pause: promoted }).index).toBe(1);
  });
});
