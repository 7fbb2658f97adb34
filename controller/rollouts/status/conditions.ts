// Conditions of a Rollout: Argo Rollouts' Progressing / Available / Paused / Healthy (so tools
// written for Argo read them) and kstatus' Ready / Reconciling / Stalled (so Applications and
// `kubectl wait` read them), plus InvalidSpec when a person must fix the spec.

import type { Condition } from '../../api/meta.ts';
import { apiTime } from '../../runtime/api-time.ts';
import {
  type ConditionInput,
  READY,
  RECONCILING,
  removeCondition,
  STALLED,
  setCondition,
} from '../../runtime/conditions.ts';
import type { PhaseResult } from './phase.ts';

export const PROGRESSING = 'Progressing';
const AVAILABLE = 'Available';
const PAUSED = 'Paused';
const HEALTHY = 'Healthy';
const INVALID_SPEC = 'InvalidSpec';

/** Reasons of the Progressing condition, as Argo names them. */
export const ProgressReason = {
  newReplicaSetCreated: 'NewReplicaSetCreated',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  aborted: 'RolloutAborted',
  paused: 'RolloutPaused',
} as const;

export interface ConditionsInput {
  previous: readonly Condition[] | undefined;
  generation: number | undefined;
  phase: PhaseResult;
  now: Date;
  /** Any counter, step or version moved since the last status. */
  progressed: boolean;
  /** The update is complete: every pod runs the stable, desired version. */
  complete: boolean;
  paused: boolean;
  abortMessage?: string | undefined;
  timedOut?: string | undefined;
  invalidSpec?: string | undefined;
  /** Reason for Ready=False / Stalled=True when a reconcile stalled on something else than the spec. */
  stalledReason?: string | undefined;
  available: boolean;
  newRSName?: string | undefined;
}

export function computeConditions(input: ConditionsInput): Condition[] {
  const { generation, now, phase } = input;
  const set = (list: Condition[], c: Omit<ConditionInput, 'observedGeneration'>): Condition[] =>
    setCondition(list, { ...c, observedGeneration: generation }, now);
  let list = [...(input.previous ?? [])];

  list = setProgressing(list, input);
  list = set(list, {
    type: AVAILABLE,
    status: input.available ? 'True' : 'False',
    reason: 'AvailableReason',
    message: input.available
      ? 'Rollout has minimum availability'
      : 'Rollout does not have minimum availability',
  });
  const paused = input.paused && !input.abortMessage;
  list = set(list, {
    type: PAUSED,
    status: paused ? 'True' : 'False',
    reason: paused ? ProgressReason.paused : 'RolloutResumed',
    message: paused ? phase.message : 'Rollout is not paused',
  });
  const healthy = phase.phase === 'Healthy';
  list = set(list, {
    type: HEALTHY,
    status: healthy ? 'True' : 'False',
    reason: healthy ? 'RolloutHealthy' : 'RolloutNotHealthy',
    message: healthy ? 'Rollout is healthy' : phase.message,
  });
  list = input.invalidSpec
    ? set(list, { type: INVALID_SPEC, status: 'True', reason: 'InvalidSpec', message: input.invalidSpec })
    : removeCondition(list, INVALID_SPEC);

  // kstatus: Ready summarises; Reconciling while moving; Stalled when only a person can help.
  switch (phase.phase) {
    case 'Healthy':
      list = set(list, {
        type: READY,
        status: 'True',
        reason: 'RolloutHealthy',
        message: 'Rollout is healthy',
      });
      list = removeCondition(removeCondition(list, RECONCILING), STALLED);
      break;
    case 'Degraded': {
      const reason =
        input.stalledReason ??
        (input.invalidSpec
          ? 'InvalidSpec'
          : input.abortMessage
            ? 'RolloutAborted'
            : 'ProgressDeadlineExceeded');
      list = set(list, { type: READY, status: 'False', reason, message: phase.message });
      list = set(list, { type: STALLED, status: 'True', reason, message: phase.message });
      list = removeCondition(list, RECONCILING);
      break;
    }
    default: {
      const reason = phase.phase === 'Paused' ? 'RolloutPaused' : 'RolloutProgressing';
      list = set(list, { type: READY, status: 'False', reason, message: phase.message });
      list = set(list, { type: RECONCILING, status: 'True', reason, message: phase.message });
      list = removeCondition(list, STALLED);
    }
  }
  return list;
}

/**
 * Progressing follows Argo's, whose lastUpdateTime marks the last progress for
 * progressDeadlineSeconds. metav1.Condition has no lastUpdateTime, so while True the
 * condition's lastTransitionTime is moved forward whenever progress is seen.
 */
function setProgressing(list: Condition[], input: ConditionsInput): Condition[] {
  const { now, generation } = input;
  const prev = list.find((c) => c.type === PROGRESSING);
  let next: ConditionInput;
  if (input.abortMessage) {
    next = {
      type: PROGRESSING,
      status: 'False',
      reason: ProgressReason.aborted,
      message: input.abortMessage,
    };
  } else if (input.paused) {
    next = {
      type: PROGRESSING,
      status: 'Unknown',
      reason: ProgressReason.paused,
      message: input.phase.message,
    };
  } else if (input.complete) {
    const msg = input.newRSName
      ? `ReplicaSet "${input.newRSName}" has successfully progressed.`
      : 'Rollout is complete';
    next = { type: PROGRESSING, status: 'True', reason: ProgressReason.newReplicaSetAvailable, message: msg };
  } else if (input.timedOut) {
    next = { type: PROGRESSING, status: 'False', reason: ProgressReason.timedOut, message: input.timedOut };
  } else {
    const msg = input.newRSName
      ? `ReplicaSet "${input.newRSName}" is progressing.`
      : 'Rollout is progressing';
    next = { type: PROGRESSING, status: 'True', reason: ProgressReason.replicaSetUpdated, message: msg };
    const resumed = prev && (prev.status !== 'True' || prev.reason !== ProgressReason.replicaSetUpdated);
    if (input.progressed || resumed) {
      const fresh: Condition = {
        ...next,
        observedGeneration: generation,
        lastTransitionTime: apiTime(now),
      };
      return [...list.filter((c) => c.type !== PROGRESSING), fresh];
    }
  }
  return setCondition(list, { ...next, observedGeneration: generation }, now);
}

/**
 * When the deadline passes without progress: a message, or undefined while time remains
 * (with how long remains, to look again then).
 */
export function progressDeadline(input: {
  previous: readonly Condition[] | undefined;
  deadlineSeconds: number;
  now: Date;
  /** Analysis steps and pauses do not count against the deadline. */
  exempt: boolean;
  newRSName?: string | undefined;
}): { timedOut?: string; remainingMs?: number } {
  const prev = input.previous?.find((c) => c.type === PROGRESSING);
  if (!prev || input.exempt) return {};
  if (prev.reason === ProgressReason.timedOut) return { timedOut: prev.message };
  if (prev.status !== 'True' || prev.reason !== ProgressReason.replicaSetUpdated) return {};
  const remainingMs =
    Date.parse(prev.lastTransitionTime) + input.deadlineSeconds * 1000 - input.now.getTime();
  if (remainingMs > 0) return { remainingMs };
  const what = input.newRSName ? `ReplicaSet "${input.newRSName}"` : 'The rollout';
  return { timedOut: `${what} has timed out progressing (no progress for ${input.deadlineSeconds}s)` };
}
