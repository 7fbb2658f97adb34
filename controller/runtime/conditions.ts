import {
  type Condition,
  CONDITION_READY as READY,
  CONDITION_RECONCILING as RECONCILING,
  CONDITION_STALLED as STALLED,
} from '../api/meta.ts';
import { apiTime } from './api-time.ts';

export type { Condition };
// The kstatus names, defined once in api/meta.ts, under the short names the reconcilers use.
export { READY, RECONCILING, STALLED };

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns conditions with `input` set. lastTransitionTime moves only when the status
 * flips, so a person can see how long something has been failing.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: Date = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    ...input,
    message: truncate(input.message),
    lastTransitionTime: prev && prev.status === input.status ? prev.lastTransitionTime : apiTime(now),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** Sets one condition of the generation being reconciled. */
function mark(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  now: Date,
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
): Condition[] {
  return setCondition(conditions, { type, status, reason, message, observedGeneration: generation }, now);
}

/** kstatus: while a reconcile is under way, Reconciling=True and Ready=Unknown. */
export function markReconciling(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  reason: string,
  message: string,
  now: Date = new Date(),
): Condition[] {
  return removeCondition(mark(conditions, generation, now, RECONCILING, 'True', reason, message), STALLED);
}

/** Conditions' messages are bounded by the CRD schema (32 KiB); keep them readable well below. */
function truncate(message: string, max = 4096): string {
  return message.length <= max ? message : `${message.slice(0, max - 3)}...`;
}

/** kstatus after a successful reconcile: Ready=True, no Reconciling, no Stalled. */
export function markReady(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  reason: string,
  message: string,
  now: Date = new Date(),
): Condition[] {
  const list = mark(conditions, generation, now, READY, 'True', reason, message);
  return removeCondition(removeCondition(list, RECONCILING), STALLED);
}

/**
 * kstatus after a failed reconcile: Ready=False with the reason; Stalled=True when a
 * person must act, otherwise Reconciling=True because a retry is coming.
 */
export function markFailed(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  error: { reason: string; errorClass: string },
  message: string,
  now: Date = new Date(),
): Condition[] {
  const list = mark(conditions, generation, now, READY, 'False', error.reason, message);
  if (error.errorClass === 'stalling') {
    return removeCondition(mark(list, generation, now, STALLED, 'True', error.reason, message), RECONCILING);
  }
  const retrying = mark(list, generation, now, RECONCILING, 'True', 'ProgressingWithRetry', message);
  return removeCondition(retrying, STALLED);
}
