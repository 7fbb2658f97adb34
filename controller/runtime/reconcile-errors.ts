import { KubeApiError, KubeConnectionError } from '../kube/api-errors.ts';

/**
 * Every reconcile failure is one of three classes, which decide what happens next:
 * - stalling: a person must act (invalid spec, access denied). No retry until the object
 *   changes; Stalled=True and a Warning event.
 * - waiting: a dependency is not ready yet. Requeue after an interval, no backoff.
 * - transient: network, conflicts, throttling, 5xx. Retry with jittered backoff.
 */
export type ErrorClass = 'stalling' | 'waiting' | 'transient';

export abstract class ReconcileError extends Error {
  abstract readonly errorClass: ErrorClass;
  /** PascalCase condition reason, e.g. GitOperationFailed. */
  readonly reason: string;
  /**
   * When to look again. Waiting errors always have one; a stalling error may, for
   * objects whose fix lives elsewhere (a Secret, a remote branch) and cannot wake us.
   */
  readonly retryAfterMs: number | undefined;

  constructor(reason: string, message: string, options?: ErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.reason = reason;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export class StallingError extends ReconcileError {
  override readonly name = 'StallingError';
  readonly errorClass = 'stalling';
}

export class WaitingError extends ReconcileError {
  override readonly name = 'WaitingError';
  readonly errorClass = 'waiting';

  constructor(reason: string, message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(reason, message, { ...options, retryAfterMs });
  }
}

export class TransientError extends ReconcileError {
  override readonly name = 'TransientError';
  readonly errorClass = 'transient';
}

/** Turns any thrown value into a classified error, keeping the original as `cause`. */
export function classify(err: unknown, reason = 'ReconcileFailed'): ReconcileError {
  if (err instanceof ReconcileError) return err;
  if (err instanceof KubeConnectionError) return new TransientError(reason, err.message, { cause: err });
  if (err instanceof KubeApiError) {
    const retriable = err.code === 409 || err.code === 429 || err.code >= 500 || err.code === 404;
    if (retriable) return new TransientError(reason, err.message, { cause: err });
    return new StallingError(reason, err.message, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TransientError(reason, message, { cause: err });
}

/** The same failure, to be looked at again after `ms`: a kind's retry policy for it. */
export function retryAfter(err: ReconcileError, ms: number): ReconcileError {
  const options = { cause: err.cause, retryAfterMs: ms };
  if (err.errorClass === 'waiting')
    return new WaitingError(err.reason, err.message, ms, { cause: err.cause });
  if (err.errorClass === 'stalling') return new StallingError(err.reason, err.message, options);
  return new TransientError(err.reason, err.message, options);
}
