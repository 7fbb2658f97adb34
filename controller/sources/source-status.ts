// How a source kind (GitRepository, HelmRepository) reads in status after a fetch: the same
// conditions, events and retry policy for both.

import type { Condition } from '../api/meta.ts';
import type { KubeObject } from '../kube/resources.ts';
import { findCondition, markFailed, markReady, READY } from '../runtime/conditions.ts';
import { parseDuration } from '../runtime/duration.ts';
import { type EventRecorder, recordOnChange } from '../runtime/events.ts';
import type { ReconcilePass } from '../runtime/reconcile.ts';
import { type ReconcileError, retryAfter } from '../runtime/reconcile-errors.ts';

interface SourceStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  artifact?: { revision: string };
}

type SourceObject = KubeObject & {
  metadata: { generation?: number };
  spec: { interval: string };
  status?: SourceStatus;
};

/** Ready with `message`, for the generation just reconciled. */
export function sourceReady(pass: ReconcilePass<SourceObject, SourceStatus>, message: string): void {
  const generation = pass.object.metadata.generation;
  pass.status.conditions = markReady(pass.status.conditions, generation, 'Succeeded', message, pass.now);
  pass.status.observedGeneration = generation;
}

/**
 * Ready=False keeping the last artifact (dependants keep the last good revision), a Warning
 * when the message changed, and a stalled source looked at again within its interval: a
 * fixed Secret or a remote change can come at any time and does not wake it.
 */
export function sourceFailed(
  pass: ReconcilePass<SourceObject, SourceStatus>,
  failure: ReconcileError,
  events: Pick<EventRecorder, 'record'>,
): ReconcileError {
  const { object, status } = pass;
  const generation = object.metadata.generation;
  const kept = status.artifact ? ` (still serving '${status.artifact.revision}')` : '';
  const message = `${failure.message}${kept}`;
  status.conditions = markFailed(status.conditions, generation, failure, message, pass.now);
  if (failure.errorClass === 'stalling') status.observedGeneration = generation;
  recordOnChange(
    events,
    object,
    { previous: findCondition(object.status?.conditions, READY)?.message, current: message },
    'Warning',
    failure.reason,
    failure.message,
  );
  if (failure.errorClass !== 'stalling') return failure;
  const intervalMs = parseDuration(object.spec.interval);
  return retryAfter(failure, Math.min(failure.retryAfterMs ?? intervalMs, intervalMs));
}
