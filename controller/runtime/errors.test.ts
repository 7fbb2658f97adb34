import { describe, expect, it } from 'vitest';
import { KubeApiError, KubeConnectionError } from '../kube/api-errors.ts';
import { classify, StallingError, TransientError, WaitingError } from './reconcile-errors.ts';

describe('classify', () => {
  it.each([409, 429, 500, 502, 503, 504, 404])('retries API error %i', (code) => {
    const cause = new KubeApiError(code, 'Whatever', `HTTP ${code}`);
    const err = classify(cause, 'ApplyFailed');
    expect(err).toBeInstanceOf(TransientError);
    expect(err.errorClass).toBe('transient');
    expect(err.reason).toBe('ApplyFailed');
    expect(err.message).toBe(`HTTP ${code}`);
    expect(err.cause).toBe(cause);
  });

  it.each([400, 401, 403, 422])('stalls on API error %i, which a retry will not fix', (code) => {
    const err = classify(new KubeApiError(code, 'Forbidden', 'denied'));
    expect(err).toBeInstanceOf(StallingError);
    expect(err.errorClass).toBe('stalling');
    expect(err.reason).toBe('ReconcileFailed');
  });

  it('classifies an API error parsed from a Status body', () => {
    const body = JSON.stringify({
      kind: 'Status',
      reason: 'Invalid',
      message: 'spec.replicas: Invalid value',
    });
    expect(classify(KubeApiError.fromResponse(422, body, 'PATCH x'))).toBeInstanceOf(StallingError);
    expect(classify(KubeApiError.fromResponse(503, 'upstream connect error', 'GET x'))).toBeInstanceOf(
      TransientError,
    );
  });

  it('retries when the API server cannot be reached', () => {
    const err = classify(
      new KubeConnectionError('GET /api/v1/namespaces: connect ECONNREFUSED 127.0.0.1:6443'),
    );
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('passes classified errors through unchanged', () => {
    const errors = [
      new StallingError('InvalidSpec', 'bad'),
      new WaitingError('DependencyNotReady', 'waiting for a', 5_000),
      new TransientError('Flaky', 'again'),
    ];
    for (const e of errors) expect(classify(e, 'Other')).toBe(e);
  });

  it('retries anything else, strings included', () => {
    const plain = classify(new Error('socket hang up'));
    expect(plain).toBeInstanceOf(TransientError);
    expect(plain.message).toBe('socket hang up');
    expect(classify('odd').message).toBe('odd');
  });
});

describe('ReconcileError', () => {
  it('carries reason, class, retry delay and cause', () => {
    const cause = new Error('x');
    const s = new StallingError('AuthenticationFailed', 'denied', { cause, retryAfterMs: 60_000 });
    expect(s).toMatchObject({
      name: 'StallingError',
      reason: 'AuthenticationFailed',
      retryAfterMs: 60_000,
      cause,
    });
    expect(new TransientError('R', 'm').retryAfterMs).toBeUndefined();
    const w = new WaitingError('DependencyNotReady', 'waiting', 30_000, { cause });
    expect(w).toMatchObject({ name: 'WaitingError', errorClass: 'waiting', retryAfterMs: 30_000, cause });
  });
});
