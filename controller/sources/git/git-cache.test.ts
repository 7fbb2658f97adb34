import { describe, expect, it } from 'vitest';
import { summariseGitError } from './git-cache.ts';

describe('summariseGitError', () => {
  it("drops ssh's boilerplate and keeps the lines that say what went wrong, on one line", () => {
    const stderr = [
      'git@example.com: Permission denied (publickey).',
      'fatal: Could not read from remote repository.',
      '',
      'Please make sure you have the correct access rights',
      'and the repository exists.',
      '',
    ].join('\n');
    expect(summariseGitError(stderr)).toBe(
      'git@example.com: Permission denied (publickey).; fatal: Could not read from remote repository.',
    );
  });

  it('drops the host-key-changed advice but keeps the failure', () => {
    const stderr = [
      'Offending ECDSA key in /home/u/.ssh/known_hosts:3',
      '  remove with:',
      '  ssh-keygen -f "/home/u/.ssh/known_hosts" -R "example.com"',
      'Add correct host key in /tmp/known_hosts to get rid of this message.',
      'Host key verification failed.',
      'fatal: Could not read from remote repository.',
    ].join('\n');
    expect(summariseGitError(stderr)).toBe(
      'Host key verification failed.; fatal: Could not read from remote repository.',
    );
  });

  it('keeps only the last four lines', () => {
    const stderr = ['one', 'two', 'three', 'four', 'five', 'six'].join('\n');
    expect(summariseGitError(stderr)).toBe('three; four; five; six');
  });

  it('redacts credentials in URLs and headers', () => {
    const summary = summariseGitError(
      "fatal: unable to access 'https://bot:hunter2@example.com/org/repo.git/': The requested URL returned error: 403\n" +
        '> Authorization: Bearer tok-123\n',
    );
    expect(summary).not.toContain('hunter2');
    expect(summary).not.toContain('tok-123');
    expect(summary).toBe(
      "fatal: unable to access 'https://***@example.com/org/repo.git/': The requested URL returned error: 403; > Authorization: Bearer ***",
    );
  });

  it('says something when git said nothing useful', () => {
    expect(summariseGitError('')).toBe('git failed without a message');
    expect(summariseGitError('\n  \nPlease make sure you have the correct access rights\n')).toBe(
      'git failed without a message',
    );
  });
});
