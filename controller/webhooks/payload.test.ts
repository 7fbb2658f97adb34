import { describe, expect, it } from 'vitest';
import { PayloadError, parsePush } from './payload.ts';

describe('parsePush', () => {
  it('reads every repository URL and the ref from a GitHub push', () => {
    const payload = {
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: 'a'.repeat(40),
      repository: {
        full_name: 'org/repo',
        html_url: 'https://github.com/org/repo',
        url: 'https://github.com/org/repo',
        git_url: 'git://github.com/org/repo.git',
        ssh_url: 'git@github.com:org/repo.git',
        clone_url: 'https://github.com/org/repo.git',
      },
    };
    expect(parsePush('github', payload)).toEqual({
      urls: [
        'https://github.com/org/repo.git',
        'git@github.com:org/repo.git',
        'git://github.com/org/repo.git',
        'https://github.com/org/repo',
        'https://github.com/org/repo',
      ],
      ref: 'refs/heads/main',
    });
  });

  it('reads project and repository URLs from a GitLab push', () => {
    const payload = {
      object_kind: 'push',
      ref: 'refs/tags/v1.2.0',
      project: {
        web_url: 'https://gitlab.example.com/group/app',
        git_ssh_url: 'git@gitlab.example.com:group/app.git',
        git_http_url: 'https://gitlab.example.com/group/app.git',
      },
      repository: {
        homepage: 'https://gitlab.example.com/group/app',
        git_http_url: 'https://gitlab.example.com/group/app.git',
        git_ssh_url: 'git@gitlab.example.com:group/app.git',
      },
    };
    expect(parsePush('gitlab', payload)).toEqual({
      urls: [
        'https://gitlab.example.com/group/app.git',
        'git@gitlab.example.com:group/app.git',
        'https://gitlab.example.com/group/app',
        'https://gitlab.example.com/group/app.git',
        'git@gitlab.example.com:group/app.git',
        'https://gitlab.example.com/group/app',
      ],
      ref: 'refs/tags/v1.2.0',
    });
  });

  it('reads url, or repository.url, from a generic push', () => {
    expect(parsePush('generic', { url: 'http://git.local/repo.git', ref: 'refs/heads/dev' })).toEqual({
      urls: ['http://git.local/repo.git'],
      ref: 'refs/heads/dev',
    });
    expect(parsePush('generic', { repository: { url: 'ssh://git@git.local/repo.git' } })).toEqual({
      urls: ['ssh://git@git.local/repo.git'],
      ref: undefined,
    });
  });

  it('skips empty and non-string URLs and refs', () => {
    expect(
      parsePush('github', { ref: '', repository: { clone_url: '', ssh_url: 42, html_url: 'https://x/y' } }),
    ).toEqual({ urls: ['https://x/y'], ref: undefined });
  });

  it('refuses payloads that name no repository URL', () => {
    for (const [provider, body] of [
      ['github', { ref: 'refs/heads/main' }],
      ['github', { repository: 'org/repo' }],
      ['gitlab', { project: {}, repository: {} }],
      ['gitlab', { url: 'https://gitlab.example.com/group/app' }],
      ['generic', { repository: ['https://x/y'] }],
      ['generic', null],
      ['generic', 'https://x/y'],
      ['generic', []],
    ] as const) {
      expect(() => parsePush(provider, body), JSON.stringify(body)).toThrow(
        new PayloadError('payload names no repository URL'),
      );
    }
  });
});
