import { describe, expect, it } from 'vitest';
import type { RsView } from '../canary/scale-plan.ts';
import { PauseState } from '../pause.ts';
import {
  type BlueGreenInput,
  decideSwitch,
  newReplicaCount,
  promotionReason,
  reconcileBlueGreenPause,
} from './decisions.ts';

const now = new Date('2026-01-01T00:01:00Z');
const rs = (spec: number, available = spec): RsView => ({
  name: 'new',
  specReplicas: spec,
  replicas: spec,
  availableReplicas: available,
  revision: 2,
});

function input(over: Partial<BlueGreenInput> = {}): BlueGreenInput {
  return {
    replicas: 3,
    autoPromotionEnabled: true,
    now,
    newHash: 'h2',
    stableHash: 'h1',
    activeHash: 'h1',
    newRS: rs(3),
    scaleUpPreviewCheckPoint: false,
    promoteFull: false,
    specPaused: false,
    pause: new PauseState({}),
    hasPre: false,
    prePhase: undefined,
    hasPost: false,
    postPhase: undefined,
    ...over,
  };
}

describe('blue-green decisions', () => {
  it('runs the preview at previewReplicaCount until the checkpoint, full when active', () => {
    expect(newReplicaCount(input({ previewReplicaCount: 1 }))).toBe(1);
    expect(newReplicaCount(input({ previewReplicaCount: 1, scaleUpPreviewCheckPoint: true }))).toBe(3);
    expect(newReplicaCount(input({ previewReplicaCount: 1, activeHash: 'h2' }))).toBe(3);
    expect(newReplicaCount(input({ previewReplicaCount: 1, activeHash: undefined }))).toBe(3);
  });

  it('switches at once with auto-promotion, once the preview is available', () => {
    expect(decideSwitch(input({ newRS: rs(3, 2) }), false)).toMatchObject({ switchActive: false });
    expect(decideSwitch(input(), false)).toEqual({ switchActive: true, checkpoint: false });
  });

  it('waits for pre-promotion analysis to succeed', () => {
    expect(decideSwitch(input({ hasPre: true, prePhase: 'Running' }), false)).toMatchObject({
      switchActive: false,
      waitingFor: 'pre-promotion analysis',
    });
    expect(decideSwitch(input({ hasPre: true, prePhase: 'Successful' }), false).switchActive).toBe(true);
  });

  it('scales the preview to full size before switching', () => {
    const d = decideSwitch(input({ previewReplicaCount: 1, newRS: rs(1) }), false);
    expect(d).toMatchObject({ switchActive: false, checkpoint: true });
  });

  it('pauses before the switch without auto-promotion, until a person promotes', () => {
    const early = new PauseState({});
    expect(
      reconcileBlueGreenPause(input({ autoPromotionEnabled: false, pause: early, newRS: rs(3, 1) })),
    ).toEqual({
      holding: true,
    });
    expect(early.addsPause).toBe(false);
    const pause = new PauseState({});
    expect(reconcileBlueGreenPause(input({ autoPromotionEnabled: false, pause }))).toEqual({ holding: true });
    expect(pause.result(now).pauseConditions?.[0]?.reason).toBe('BlueGreenPause');
    const held = new PauseState({
      pauseConditions: [{ reason: 'BlueGreenPause', startTime: '2026-01-01T00:00:00Z' }],
      controllerPause: true,
    });
    expect(reconcileBlueGreenPause(input({ autoPromotionEnabled: false, pause: held })).holding).toBe(true);
    const resumed = new PauseState({ controllerPause: true });
    expect(reconcileBlueGreenPause(input({ autoPromotionEnabled: false, pause: resumed })).holding).toBe(
      false,
    );
  });

  it('autoPromotionSeconds promotes by itself after the time', () => {
    const start = { reason: 'BlueGreenPause' as const, startTime: '2026-01-01T00:00:30Z' };
    const early = new PauseState({ pauseConditions: [start], controllerPause: true });
    expect(reconcileBlueGreenPause(input({ autoPromotionSeconds: 60, pause: early }))).toEqual({
      holding: true,
      requeueAfterMs: 30_000,
    });
    const due = new PauseState({
      pauseConditions: [{ ...start, startTime: '2026-01-01T00:00:00Z' }],
      controllerPause: true,
    });
    expect(reconcileBlueGreenPause(input({ autoPromotionSeconds: 60, pause: due })).holding).toBe(false);
    expect(due.result(now).pauseConditions).toBeUndefined();
  });

  it('makes the new version stable after the switch and post-promotion analysis', () => {
    expect(promotionReason(input({ stableHash: undefined }), undefined)).toBe('Initial deploy');
    expect(promotionReason(input(), 'h1')).toBeUndefined();
    expect(promotionReason(input(), 'h2')).toBe('Completed blue-green update');
    expect(promotionReason(input({ hasPost: true, postPhase: 'Running' }), 'h2')).toBeUndefined();
    expect(promotionReason(input({ hasPost: true, postPhase: 'Successful' }), 'h2')).toBe(
      'Completed blue-green update',
    );
    expect(promotionReason(input({ pause: new PauseState({ abort: true }) }), 'h2')).toBeUndefined();
  });

  it('never switches while aborted', () => {
    expect(decideSwitch(input({ pause: new PauseState({ abort: true }) }), false).switchActive).toBe(false);
  });
});
