import { describe, expect, it } from 'vitest';
import type { GitRepository, GitRepositoryRef } from '../api/git-repository.ts';
import { matchRepositories } from './receiver.ts';

function repo(
  name: string,
  url: string,
  ref?: GitRepositoryRef,
  extra: { suspend?: boolean; namespace?: string } = {},
): GitRepository {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name, namespace: extra.namespace ?? 'apps' },
    spec: {
      url,
      interval: '5m',
      ...(ref ? { ref } : {}),
      ...(extra.suspend !== undefined ? { suspend: extra.suspend } : {}),
    },
  };
}

const URLS = ['https://github.com/org/app.git', 'git@github.com:org/app.git'];

describe('matchRepositories', () => {
  it('matches a branch-pinned repository only on a push to that branch', () => {
    const repos = [repo('main', 'https://github.com/org/app', { branch: 'main' })];
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/heads/main' })).toEqual(['apps/main']);
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/heads/dev' })).toEqual([]);
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/tags/main' })).toEqual([]);
  });

  it('matches tag and semver repositories on any tag push, never on a branch push', () => {
    const repos = [
      repo('tag', 'https://github.com/org/app', { tag: 'v1.0.0' }),
      repo('semver', 'https://github.com/org/app', { semver: '^1.0.0' }),
    ];
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/tags/v1.1.0' })).toEqual([
      'apps/tag',
      'apps/semver',
    ]);
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/heads/main' })).toEqual([]);
  });

  it('matches a ref name exactly', () => {
    const repos = [repo('pr', 'https://github.com/org/app', { name: 'refs/pull/7/head' })];
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/pull/7/head' })).toEqual(['apps/pr']);
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/pull/8/head' })).toEqual([]);
  });

  it('matches repositories that follow the default branch, or pin a commit, on any push', () => {
    const repos = [
      repo('default', 'https://github.com/org/app'),
      repo('commit', 'https://github.com/org/app', { commit: 'a'.repeat(40) }),
    ];
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/heads/feature' })).toEqual([
      'apps/default',
      'apps/commit',
    ]);
  });

  it('matches every pin when the push names no ref', () => {
    const repos = [
      repo('branch', 'https://github.com/org/app', { branch: 'main' }),
      repo('tag', 'https://github.com/org/app', { tag: 'v1' }),
    ];
    expect(matchRepositories(repos, { urls: URLS, ref: undefined })).toEqual(['apps/branch', 'apps/tag']);
  });

  it('skips suspended repositories', () => {
    const repos = [
      repo('on', 'https://github.com/org/app', undefined, { suspend: false }),
      repo('off', 'https://github.com/org/app', undefined, { suspend: true }),
    ];
    expect(matchRepositories(repos, { urls: URLS, ref: 'refs/heads/main' })).toEqual(['apps/on']);
  });

  it('matches the same repository across URL forms and transports', () => {
    const repos = [
      repo('https', 'https://GitHub.com/Org/App.git/'),
      repo('ssh', 'ssh://git@github.com/org/app.git', undefined, { namespace: 'team-a' }),
      repo('ssh-port', 'ssh://git@github.com:22/org/app'),
      repo('scp', 'git@github.com:org/app'),
      repo('git', 'git://github.com/org/app.git'),
      repo('other', 'https://github.com/org/app-config.git'),
      repo('other-host', 'https://gitlab.com/org/app.git'),
    ];
    expect(
      matchRepositories(repos, { urls: ['https://github.com/org/app'], ref: 'refs/heads/main' }),
    ).toEqual(['apps/https', 'team-a/ssh', 'apps/ssh-port', 'apps/scp', 'apps/git']);
  });

  it('matches nothing for an unknown repository', () => {
    const repos = [repo('app', 'https://github.com/org/app')];
    expect(
      matchRepositories(repos, { urls: ['https://github.com/org/else.git'], ref: 'refs/heads/main' }),
    ).toEqual([]);
  });
});
