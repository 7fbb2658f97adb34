import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './unified-diff.ts';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', { from: 'x', to: 'y' })).toBe('');
  });

  it('shows changes with three lines of context, in separate hunks when far apart', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n';
    const after = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n';
    expect(unifiedDiff(before, after, { from: 'live', to: 'desired' })).toBe(
      '--- live\n+++ desired\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -10,3 +10,4 @@\n j\n k\n l\n+m\n',
    );
  });

  it('diffs against nothing for created and deleted objects', () => {
    expect(unifiedDiff('', 'a\nb\n', { from: '/dev/null', to: 'new' })).toBe(
      '--- /dev/null\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
    expect(unifiedDiff('a\n', '', { from: 'old', to: '/dev/null' })).toBe(
      '--- old\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n',
    );
  });

  it('finds a shortest edit script', () => {
    const diff = unifiedDiff('a\nb\nc\na\nb\nb\na\n', 'c\nb\na\nb\na\nc\n', { from: 'a', to: 'b' });
    const changed = diff.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toHaveLength(5);
  });
});
