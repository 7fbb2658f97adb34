import { describe, expect, it } from 'vitest';
import { InputRecorder, normalisePath, touches } from './input-paths.ts';

describe('normalisePath', () => {
  it('writes every spelling of a path one way, the root as empty', () => {
    expect(normalisePath('./apps/a/')).toBe('apps/a');
    expect(normalisePath('/apps//a/./b')).toBe('apps/a/b');
    expect(normalisePath('apps/a/../b')).toBe('apps/b');
    expect(normalisePath('.')).toBe('');
    expect(normalisePath('/')).toBe('');
  });
});

describe('touches', () => {
  const changed = ['apps/a/configmap.yaml', 'README.md'];

  it('counts a changed file below a directory input, or equal to a file input', () => {
    expect(touches(['apps/a'], changed)).toBe(true);
    expect(touches(['README.md'], changed)).toBe(true);
    expect(touches(['apps/b', 'base'], changed)).toBe(false);
  });

  it('does not take a sibling with the same prefix for a directory', () => {
    expect(touches(['apps/a'], ['apps/ab/x.yaml', 'apps/a.yaml'])).toBe(false);
  });

  it('takes the root as the whole repository', () => {
    expect(touches([''], ['anything/at/all'])).toBe(true);
  });

  it('matches globs over whole paths, * and ? stopping at a slash, as Go filepath.Match', () => {
    expect(touches(['apps/*/configmap.yaml'], changed)).toBe(true);
    expect(touches(['apps/*'], changed)).toBe(false);
    expect(touches(['apps/?/configmap.yaml'], changed)).toBe(true);
    expect(touches(['apps/[ab]/*.yaml'], changed)).toBe(true);
    expect(touches(['apps/[^a]/*.yaml'], changed)).toBe(false);
    expect(touches(['*.md'], changed)).toBe(true);
    expect(touches(['*.txt'], changed)).toBe(false);
  });

  it('counts every change when the inputs are unknown, and nothing when no file changed', () => {
    expect(touches(undefined, ['x'])).toBe(true);
    expect(touches(undefined, [])).toBe(false);
    expect(touches(['apps/a'], [])).toBe(false);
  });
});

describe('touches, asked many times with the same lists', () => {
  it('answers each pair of inputs and changes on its own', () => {
    const a = ['apps/a'];
    const b = ['./apps/b/'];
    const push1 = ['apps/a/cm.yaml'];
    const push2 = ['/apps/b/cm.yaml', 'README.md'];
    for (let round = 0; round < 2; round++) {
      expect([touches(a, push1), touches(b, push1), touches(a, push2), touches(b, push2)]).toEqual([
        true,
        false,
        false,
        true,
      ]);
    }
  });
});

describe('InputRecorder', () => {
  it('keeps the shortest list: nothing below a directory already in it', () => {
    const r = new InputRecorder('/repo');
    r.add('/repo/apps/a');
    r.add('/repo/apps/a/sub');
    r.add('/repo/apps/a-b/file.yaml');
    r.add('/repo/base');
    r.add('/repo/base/cm.yaml');
    expect(r.result()).toEqual(['apps/a', 'apps/a-b/file.yaml', 'base']);
  });

  it('is unknown once anything was', () => {
    const r = new InputRecorder('/repo');
    r.add('/repo/apps/a');
    r.unknown();
    expect(r.result()).toBeUndefined();
  });
});
