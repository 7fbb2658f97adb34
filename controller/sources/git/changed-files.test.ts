// GitCache.changedFiles on real git: a source repository in a temporary directory, fetched
// into the cache's clone as GitRepositories fetch (shallow, the branch tip each time; the
// cache itself refuses local paths as URLs, so plain git does the fetching here).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitCache } from './git-cache.ts';

describe('GitCache.changedFiles', () => {
  let base: string;
  let source: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: source, encoding: 'utf8' }).trim();
  const commit = async (files: Record<string, string | null>, message: string) => {
    for (const [path, text] of Object.entries(files)) {
      if (text === null) git('rm', '-q', path);
      else {
        await mkdir(dirname(join(source, path)), { recursive: true });
        await writeFile(join(source, path), text);
        git('add', path);
      }
    }
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };

  /** Fetches the branch tip into the bare clone `cache` keeps for `source`, shallow. */
  const fetchTip = (cache: GitCache) => {
    const bare = cache.repoPath(source);
    execFileSync('git', ['init', '-q', '--bare', bare]);
    execFileSync('git', [
      '-C',
      bare,
      'fetch',
      '-q',
      '--depth=1',
      '--',
      source,
      '+refs/heads/main:refs/sluice/tip',
    ]);
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'sluice-changed-'));
    source = join(base, 'source');
    await mkdir(source);
    git('init', '-q', '-b', 'main');
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('lists what changed between two fetched commits, a rename as both of its paths', async () => {
    const cache = new GitCache(join(base, 'cache'));
    const first = await commit(
      { 'apps/a/cm.yaml': 'a: 1\n', 'apps/b/cm.yaml': 'b: 1\n', 'README.md': 'x\n' },
      'one',
    );
    fetchTip(cache);
    git('mv', 'apps/b/cm.yaml', 'apps/c.yaml');
    const second = await commit({ 'apps/a/cm.yaml': 'a: 2\n' }, 'two');
    fetchTip(cache);

    const changed = await cache.changedFiles(source, first, second, 10_000);
    expect(changed?.sort()).toEqual(['apps/a/cm.yaml', 'apps/b/cm.yaml', 'apps/c.yaml']);
    expect(await cache.changedFiles(source, second, second, 10_000)).toEqual([]);
  });

  it('cannot tell for a commit the cache never fetched', async () => {
    const cache = new GitCache(join(base, 'cache-2'));
    const head = git('rev-parse', 'HEAD');
    const parent = git('rev-parse', 'HEAD~1');
    fetchTip(cache);
    expect(await cache.changedFiles(source, parent, head, 10_000)).toBeUndefined();
  });
});
