import type { CommonStatus } from '../api/meta.ts';
import type { KubeObject } from '../kube/resources.ts';
import { findCondition, markFailed, READY } from '../runtime/conditions.ts';
import { type EventRecorder, recordOnChange } from '../runtime/events.ts';
import type { ReconcilePass } from '../runtime/reconcile.ts';
import type { ReconcileError } from '../runtime/reconcile-errors.ts';

/**
 * How a Provider or Alert failure reads: Ready=False (and Stalled when a person must fix the
 * field the message names), and one Warning Event per new message.
 */
export function recordConfigFailure<T extends KubeObject & { status?: CommonStatus }>(
  pass: ReconcilePass<T, CommonStatus>,
  failure: ReconcileError,
  events: Pick<EventRecorder, 'record'>,
): ReconcileError {
  const { object, status } = pass;
  const generation = object.metadata.generation;
  status.conditions = markFailed(status.conditions, generation, failure, failure.message, pass.now);
  if (failure.errorClass === 'stalling') status.observedGeneration = generation;
  const previous = findCondition(object.status?.conditions, READY)?.message;
  recordOnChange(
    events,
    object,
    { previous, current: failure.message },
    'Warning',
    failure.reason,
    failure.message,
  );
  return failure;
}
