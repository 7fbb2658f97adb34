import { describe, expect, it } from 'vitest';
import {
  formatRevision,
  normaliseRepoUrl,
  parseLsRemote,
  RefError,
  type RemoteRef,
  resolveRef,
  shaOfRevision,
} from './ref.ts';

const sha = (c: string) => c.repeat(40);
const sha256 = (c: string) => c.repeat(64);

describe('parseLsRemote', () => {
  it('reads sha and ref name per line, ignoring blank and malformed lines', () => {
    const out = [
      `${sha('a')}\tHEAD`,
      `${sha('a')}\trefs/heads/main`,
      '',
      'warning: redirecting to https://example.com/repo.git/',
      `${sha('b')}\trefs/heads/dev`,
      `not-a-sha\trefs/heads/broken`,
      '',
    ].join('\n');
    expect(parseLsRemote(out)).toEqual([
      { name: 'HEAD', sha: sha('a') },
      { name: 'refs/heads/main', sha: sha('a') },
      { name: 'refs/heads/dev', sha: sha('b') },
    ]);
  });

  it("takes an annotated tag's peeled ^{} line as its commit, whichever comes first", () => {
    const peeledAfter = `${sha('1')}\trefs/tags/v1.0.0\n${sha('2')}\trefs/tags/v1.0.0^{}\n`;
    const peeledBefore = `${sha('2')}\trefs/tags/v1.0.0^{}\n${sha('1')}\trefs/tags/v1.0.0\n`;
    expect(parseLsRemote(peeledAfter)).toEqual([{ name: 'refs/tags/v1.0.0', sha: sha('2') }]);
    expect(parseLsRemote(peeledBefore)).toEqual([{ name: 'refs/tags/v1.0.0', sha: sha('2') }]);
  });

  it('accepts SHA-256 object names and CRLF line endings', () => {
    expect(parseLsRemote(`${sha256('c')}\trefs/heads/main\r\n`)).toEqual([
      { name: 'refs/heads/main', sha: sha256('c') },
    ]);
  });
});

describe('resolveRef', () => {
  const remote: RemoteRef[] = [
    { name: 'HEAD', sha: sha('d') },
    { name: 'refs/heads/main', sha: sha('a') },
    { name: 'refs/heads/develop', sha: sha('d') },
    { name: 'refs/tags/v1.0.0', sha: sha('1') },
    { name: 'refs/tags/v1.2.0', sha: sha('2') },
    { name: 'refs/tags/1.3.0', sha: sha('3') },
    { name: 'refs/tags/v2.0.0-rc.1', sha: sha('4') },
    { name: 'refs/tags/latest', sha: sha('5') },
    { name: 'refs/pull/7/head', sha: sha('7') },
  ];

  it('resolves a branch', () => {
    expect(resolveRef({ branch: 'main' }, remote)).toEqual({
      refName: 'refs/heads/main',
      shortName: 'main',
      sha: sha('a'),
    });
  });

  it("follows the remote's HEAD branch when no ref is given", () => {
    const expected = { refName: 'refs/heads/develop', shortName: 'develop', sha: sha('d') };
    expect(resolveRef(undefined, remote)).toEqual(expected);
    expect(resolveRef({}, remote)).toEqual(expected);
  });

  it('falls back to main when the remote does not advertise HEAD', () => {
    const noHead = remote.filter((r) => r.name !== 'HEAD');
    expect(resolveRef(undefined, noHead)).toMatchObject({ shortName: 'main', sha: sha('a') });
  });

  it('resolves a tag', () => {
    expect(resolveRef({ tag: 'v1.2.0' }, remote)).toEqual({
      refName: 'refs/tags/v1.2.0',
      shortName: 'v1.2.0',
      sha: sha('2'),
    });
  });

  it('picks the highest tag in a semver range, with or without a v prefix', () => {
    expect(resolveRef({ semver: '^1.0.0' }, remote)).toEqual({
      refName: 'refs/tags/1.3.0',
      shortName: '1.3.0',
      sha: sha('3'),
    });
    expect(resolveRef({ semver: '~1.2' }, remote)).toMatchObject({ shortName: 'v1.2.0', sha: sha('2') });
    expect(resolveRef({ semver: '<1.2.0' }, remote)).toMatchObject({ shortName: 'v1.0.0' });
  });

  it('leaves pre-releases out unless the range asks for them', () => {
    expect(resolveRef({ semver: '>=1.0.0' }, remote)).toMatchObject({ shortName: '1.3.0' });
    expect(resolveRef({ semver: '>=2.0.0-rc.0' }, remote)).toMatchObject({
      shortName: 'v2.0.0-rc.1',
      sha: sha('4'),
    });
    expect(() => resolveRef({ semver: '>=2.0.0' }, remote)).toThrow(RefError);
  });

  it('ignores tags that are not versions, and branches named like versions', () => {
    const refs: RemoteRef[] = [
      { name: 'refs/heads/9.9.9', sha: sha('9') },
      { name: 'refs/tags/latest', sha: sha('5') },
      { name: 'refs/tags/v0.1.0', sha: sha('1') },
    ];
    expect(resolveRef({ semver: '*' }, refs)).toMatchObject({ shortName: 'v0.1.0' });
  });

  it('resolves a full reference name, shortening heads and tags', () => {
    expect(resolveRef({ name: 'refs/pull/7/head' }, remote)).toEqual({
      refName: 'refs/pull/7/head',
      shortName: 'refs/pull/7/head',
      sha: sha('7'),
    });
    expect(resolveRef({ name: 'refs/heads/main' }, remote)).toMatchObject({ shortName: 'main' });
    expect(resolveRef({ name: 'refs/tags/v1.0.0' }, remote)).toMatchObject({ shortName: 'v1.0.0' });
  });

  it('takes a commit alone as it is, without looking at the remote', () => {
    expect(resolveRef({ commit: sha('f') }, [])).toEqual({ sha: sha('f') });
  });

  it('fetches the branch but checks out the pinned commit for branch and commit', () => {
    expect(resolveRef({ branch: 'main', commit: sha('e') }, remote)).toEqual({
      refName: 'refs/heads/main',
      shortName: 'main',
      sha: sha('e'),
    });
  });

  it('says what is missing', () => {
    expect(() => resolveRef({ branch: 'nope' }, remote)).toThrow(
      new RefError('branch nope not found on the remote'),
    );
    expect(() => resolveRef({ tag: 'v9' }, remote)).toThrow(new RefError('tag v9 not found on the remote'));
    expect(() => resolveRef({ name: 'refs/pull/8/head' }, remote)).toThrow(/refs\/pull\/8\/head not found/);
    expect(() => resolveRef({ semver: '>=5.0.0' }, remote)).toThrow(
      new RefError('no tag matches semver range ">=5.0.0"'),
    );
    expect(() => resolveRef({ semver: 'not a range' }, remote)).toThrow(
      new RefError('invalid semver range "not a range"'),
    );
  });

  it('throws RefError, not a plain Error', () => {
    try {
      resolveRef({ branch: 'nope' }, []);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RefError);
      expect((err as RefError).name).toBe('RefError');
    }
  });
});

describe('formatRevision', () => {
  it('names the branch or tag and the hash algorithm by the length of the sha', () => {
    expect(formatRevision({ shortName: 'main', sha: sha('a') })).toBe(`main@sha1:${sha('a')}`);
    expect(formatRevision({ shortName: 'v1.0.0', sha: sha256('b') })).toBe(`v1.0.0@sha256:${sha256('b')}`);
  });

  it('is only the hash for a bare commit', () => {
    expect(formatRevision({ sha: sha('c') })).toBe(`sha1:${sha('c')}`);
    expect(formatRevision({ sha: sha256('c') })).toBe(`sha256:${sha256('c')}`);
  });
});

describe('shaOfRevision', () => {
  it('extracts the sha from every revision form', () => {
    expect(shaOfRevision(`main@sha1:${sha('a')}`)).toBe(sha('a'));
    expect(shaOfRevision(`v1.0.0@sha256:${sha256('b')}`)).toBe(sha256('b'));
    expect(shaOfRevision(`sha1:${sha('c')}`)).toBe(sha('c'));
    expect(shaOfRevision(`refs/pull/7/head@sha1:${sha('7')}`)).toBe(sha('7'));
  });

  it('is undefined for nothing or something that is not a revision', () => {
    expect(shaOfRevision(undefined)).toBeUndefined();
    expect(shaOfRevision('')).toBeUndefined();
    expect(shaOfRevision('main')).toBeUndefined();
  });
});

describe('normaliseRepoUrl', () => {
  it('reduces https URLs to host and path', () => {
    expect(normaliseRepoUrl('https://github.com/org/repo')).toBe('github.com/org/repo');
    expect(normaliseRepoUrl('https://user:token@github.com/org/repo.git')).toBe('github.com/org/repo');
  });

  it('drops a trailing .git and slashes, surrounding space, and case', () => {
    for (const u of [
      'https://github.com/org/repo.git',
      'https://github.com/org/repo/',
      'https://github.com/org/repo.git/',
      '  https://GitHub.com/Org/Repo.git  ',
    ]) {
      expect(normaliseRepoUrl(u), u).toBe('github.com/org/repo');
    }
  });

  it('ignores ports, so one repository matches over every transport', () => {
    expect(normaliseRepoUrl('http://git.example.com:3000/org/repo.git')).toBe('git.example.com/org/repo');
    expect(normaliseRepoUrl('ssh://git@git.example.com:2222/org/repo.git')).toBe('git.example.com/org/repo');
  });

  it('reads ssh://, git:// and scp-like forms', () => {
    expect(normaliseRepoUrl('ssh://git@github.com/org/repo.git')).toBe('github.com/org/repo');
    expect(normaliseRepoUrl('git://github.com/org/repo.git')).toBe('github.com/org/repo');
    expect(normaliseRepoUrl('git@github.com:org/repo.git')).toBe('github.com/org/repo');
    expect(normaliseRepoUrl('github.com:org/repo')).toBe('github.com/org/repo');
  });

  it('matches an scp-like URL with an absolute path to its ssh:// form', () => {
    expect(normaliseRepoUrl('git@git.example.com:/srv/git/repo.git')).toBe(
      normaliseRepoUrl('ssh://git@git.example.com/srv/git/repo.git'),
    );
  });

  it('keeps different repositories apart', () => {
    expect(normaliseRepoUrl('https://github.com/org/repo')).not.toBe(
      normaliseRepoUrl('https://github.com/org/repo-two'),
    );
    expect(normaliseRepoUrl('https://github.com/org/repo')).not.toBe(
      normaliseRepoUrl('https://gitlab.com/org/repo'),
    );
  });
});
