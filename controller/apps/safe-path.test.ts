import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWithin, PathEscapeError, resolveWithin } from './safe-path.ts';

describe('isWithin', () => {
  it('is true for the root itself and anything below it', () => {
    expect(isWithin('/repo', '/repo')).toBe(true);
    expect(isWithin('/repo', '/repo/a')).toBe(true);
    expect(isWithin('/repo', '/repo/a/b/../c')).toBe(true);
    expect(isWithin('/repo', '/repo/..hidden')).toBe(true);
  });

  it('is false for parents, siblings and look-alike prefixes', () => {
    expect(isWithin('/repo', '/')).toBe(false);
    expect(isWithin('/repo', '/repo/..')).toBe(false);
    expect(isWithin('/repo', '/repo-other')).toBe(false);
    expect(isWithin('/repo', '/repo/../etc/passwd')).toBe(false);
    expect(isWithin('/repo/a', '/repo/b')).toBe(false);
  });
});

describe('resolveWithin', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sluice-safe-path-')));
    root = join(base, 'repo');
    await mkdir(join(root, 'deploy/prod'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await symlink('deploy/prod', join(root, 'prod-link'));
    await symlink('../outside', join(root, 'out-link'));
    await symlink(join(root, 'deploy'), join(base, 'root-link'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('resolves relative paths in their usual spellings', async () => {
    const prod = join(root, 'deploy/prod');
    for (const p of ['deploy/prod', './deploy/prod', 'deploy/prod/', 'deploy//prod', 'deploy/x/../prod']) {
      expect(await resolveWithin(root, p), p).toBe(prod);
    }
    expect(await resolveWithin(root, '.')).toBe(root);
    expect(await resolveWithin(root, '')).toBe(root);
  });

  it('reads an absolute path as relative to the repository', async () => {
    expect(await resolveWithin(root, '/deploy')).toBe(join(root, 'deploy'));
  });

  it('follows links that stay inside', async () => {
    expect(await resolveWithin(root, 'prod-link')).toBe(join(root, 'deploy/prod'));
  });

  it('works when the root itself is reached through a link', async () => {
    expect(await resolveWithin(join(base, 'root-link'), 'prod')).toBe(join(root, 'deploy/prod'));
  });

  it('refuses .. that climbs out', async () => {
    await expect(resolveWithin(root, '..')).rejects.toThrow(
      new PathEscapeError('path ".." leaves the repository'),
    );
    await expect(resolveWithin(root, 'deploy/../../outside')).rejects.toThrow(PathEscapeError);
    await expect(resolveWithin(root, '../repo/deploy')).resolves.toBe(join(root, 'deploy'));
  });

  it('refuses links that leave, and paths that do not exist', async () => {
    await expect(resolveWithin(root, 'out-link')).rejects.toThrow(
      new PathEscapeError('path "out-link" is a link that leaves the repository'),
    );
    await expect(resolveWithin(root, 'missing')).rejects.toThrow(
      new PathEscapeError('path "missing" does not exist in the repository'),
    );
  });
});
