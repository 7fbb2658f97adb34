import { describe, expect, it } from 'vitest';
import { ReconcileError, StallingError, TransientError } from '../runtime/reconcile-errors.ts';
import { GitAuthError } from './git/auth.ts';
import { GitOperationError } from './git/git-cache.ts';
import { RefError } from './git/ref.ts';
import { classifyGitError } from './git-source.ts';

function classified(err: unknown): ReconcileError {
  const out = classifyGitError(err);
  expect(out).toBeInstanceOf(ReconcileError);
  return out as ReconcileError;
}

describe('classifyGitError', () => {
  it('stalls on a missing or unusable Secret, as AuthenticationFailed', () => {
    const cause = new GitAuthError('ssh URLs need "known_hosts" in the Secret');
    const err = classified(cause);
    expect(err).toBeInstanceOf(StallingError);
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).toBe(cause.message);
    expect(err.cause).toBe(cause);
    expect(err.retryAfterMs).toBeGreaterThan(0);
  });

  it.each([
    "fatal: Authentication failed for 'https://example.com/org/repo.git/'",
    "fatal: could not read Username for 'https://example.com': terminal prompts disabled",
    'git@example.com: Permission denied (publickey).; fatal: Could not read from remote repository.',
    'Host key verification failed.; fatal: Could not read from remote repository.',
    "fatal: unable to access 'https://example.com/org/repo.git/': The requested URL returned error: 403",
    "fatal: unable to access 'https://example.com/org/repo.git/': The requested URL returned error: 401",
  ])('stalls on what git says when access is refused: %s', (message) => {
    const err = classified(new GitOperationError(message));
    expect(err).toBeInstanceOf(StallingError);
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).toBe(message);
  });

  it('stalls on a ref that is not on the remote, as GitOperationFailed', () => {
    const err = classified(new RefError('branch nope not found on the remote'));
    expect(err).toBeInstanceOf(StallingError);
    expect(err.reason).toBe('GitOperationFailed');
    expect(err.retryAfterMs).toBeGreaterThan(0);
  });

  it.each([
    "fatal: unable to access 'https://example.com/org/repo.git/': Could not resolve host: example.com",
    "fatal: unable to access 'http://127.0.0.1:1/repo.git/': Failed to connect to 127.0.0.1 port 1: Connection refused",
    'fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused',
    "fatal: unable to access 'https://example.com/repo.git/': The requested URL returned error: 502",
    'timed out after 60000ms',
    'ssh: connect to host example.com port 22: Connection timed out',
  ])('retries network and server trouble: %s', (message) => {
    const err = classified(new GitOperationError(message));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.reason).toBe('GitOperationFailed');
  });

  it('passes classified errors through and wraps anything else', () => {
    const stalling = new StallingError('Other', 'x');
    expect(classifyGitError(stalling)).toBe(stalling);
    const transient = new TransientError('Other', 'y');
    expect(classifyGitError(transient)).toBe(transient);
    const err = classified('a string');
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe('a string');
  });
});
