import { mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedBinary, writeRepo } from '../../test/support/render-fixtures.ts';
import { MAX_FILE_BYTES, parseManifests, RenderError, render } from './render.ts';
import { PathEscapeError } from './safe-path.ts';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('parseManifests', () => {
  it('reads every document of a multi-document file, numbering them in the source', () => {
    const out = parseManifests(`${cm('a')}---\n${cm('b')}`, 'deploy/app.yaml');
    expect(out).toEqual([
      {
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
        source: 'deploy/app.yaml#1',
      },
      {
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
        source: 'deploy/app.yaml#2',
      },
    ]);
  });

  it('names a single document by its file alone', () => {
    expect(parseManifests(cm('a'), 'app.yaml').map((r) => r.source)).toEqual(['app.yaml']);
  });

  it('skips empty documents and comments', () => {
    const text = `---\n# nothing here\n---\n${cm('a')}---\n---\n`;
    const out = parseManifests(text, 'f.yaml');
    expect(out.map((r) => r.source)).toEqual(['f.yaml#2']);
    expect(parseManifests('', 'empty.yaml')).toEqual([]);
    expect(parseManifests('# only a comment\n', 'c.yaml')).toEqual([]);
  });

  it('reads JSON', () => {
    expect(
      parseManifests('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', 'cm.json'),
    ).toEqual([
      { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' } }, source: 'cm.json' },
    ]);
  });

  it('refuses duplicate keys, naming file and line', () => {
    const text = `${cm('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n`;
    expect(() => parseManifests(text, 'dup.yaml')).toThrow(RenderError);
    expect(() => parseManifests(text, 'dup.yaml')).toThrow(/^dup\.yaml:10: Map keys must be unique/);
  });

  it('refuses broken YAML, naming file and line', () => {
    expect(() => parseManifests('a: [1\n', 'bad.yaml')).toThrow(/^bad\.yaml:2: /);
  });

  it('refuses documents that are scalars or lists', () => {
    expect(() => parseManifests('hello\n', 's.yaml')).toThrow(
      new RenderError('s.yaml#1: a manifest must be a mapping, not string'),
    );
    expect(() => parseManifests(`${cm('a')}---\n- a\n- b\n`, 'l.yaml')).toThrow(
      new RenderError('l.yaml#2: a manifest must be a mapping, not a list'),
    );
    expect(() => parseManifests('42\n', 'n.yaml')).toThrow(/not number/);
  });

  it('expands a kind: List into its items', () => {
    const text = `${cm('first')}---\napiVersion: v1\nkind: List\nitems:\n- ${cm('a').replace(/\n(?!$)/g, '\n  ')}- ${cm('b').replace(/\n(?!$)/g, '\n  ')}`;
    const out = parseManifests(text, 'list.yaml');
    expect(out.map((r) => [r.source, (r.object.metadata as { name: string }).name])).toEqual([
      ['list.yaml#1', 'first'],
      ['list.yaml#2.items[0]', 'a'],
      ['list.yaml#2.items[1]', 'b'],
    ]);
  });

  it('refuses List items that are not mappings', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: List\nitems:\n- null\n', 'list.yaml')).toThrow(
      new RenderError('list.yaml#1.items[0]: a manifest must be a mapping, not null'),
    );
    expect(() => parseManifests(`apiVersion: v1\nkind: List\nitems:\n- [a]\n`, 'list.yaml')).toThrow(
      /list\.yaml#1\.items\[0\]: a manifest must be a mapping, not a list/,
    );
  });

  it('reports alias trouble as a RenderError', () => {
    expect(() => parseManifests('a: *missing\n', 'alias.yaml')).toThrow(RenderError);
    expect(() => parseManifests('a: *missing\n', 'alias.yaml')).toThrow(/^alias\.yaml#1: /);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(() => parseManifests(bomb, 'bomb.yaml')).toThrow(RenderError);
    expect(() => parseManifests(bomb, 'bomb.yaml')).toThrow(/^bomb\.yaml#1: Excessive alias count/);
  });
});

describe('render', () => {
  let base: string;
  let kustomize: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sluice-render-')));
    kustomize = pinnedBinary('kustomize');
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const repo = (files: Record<string, string>) => writeRepo(base, files);

  const names = (objects: { object: Record<string, unknown> }[]) =>
    objects.map((o) => (o.object.metadata as { name: string }).name);

  it('reads YAML and JSON files below the path, recursively and in name order', async () => {
    const root = await repo({
      'deploy/b.yaml': cm('b'),
      'deploy/a.yml': cm('a'),
      'deploy/sub/c.yaml': `${cm('c1')}---\n${cm('c2')}`,
      'deploy/sub/deeper/d.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'd' },
      }),
      'deploy/UPPER.YAML': cm('upper'),
      'elsewhere/e.yaml': cm('e'),
    });
    const out = await render(root, 'deploy');
    expect(out.map((o) => o.source)).toEqual([
      'deploy/a.yml',
      'deploy/b.yaml',
      'deploy/sub/c.yaml#1',
      'deploy/sub/c.yaml#2',
      'deploy/sub/deeper/d.json',
      'deploy/UPPER.YAML',
    ]);
    expect(names(await render(root, ''))).toContain('e');
    expect(names(await render(root, './deploy/sub'))).toEqual(['c1', 'c2', 'd']);
  });

  it('skips hidden files and directories, and files that are not YAML or JSON', async () => {
    const root = await repo({
      'app.yaml': cm('app'),
      '.github/workflows/ci.yaml': 'on: push\n',
      '.hidden.yaml': cm('hidden'),
      'sub/.git/config.yaml': cm('git'),
      'README.md': '# not a manifest\n',
      'script.sh': 'echo hi\n',
      'values.yaml.tmpl': 'not: [yaml\n',
    });
    expect(names(await render(root, '.'))).toEqual(['app']);
  });

  it('refuses a file over the size limit', async () => {
    const root = await repo({ 'big.yaml': `${cm('big')}data:\n  x: "${'a'.repeat(MAX_FILE_BYTES)}"\n` });
    await expect(render(root, '.')).rejects.toThrow(RenderError);
    await expect(render(root, '.')).rejects.toThrow(/^big\.yaml: file is \d+ bytes, over the 4194304 limit$/);
  });

  it('follows symlinks that stay inside the repository', async () => {
    const root = await repo({ 'shared/cm.yaml': cm('shared'), 'deploy/app.yaml': cm('app') });
    await symlink('../shared/cm.yaml', join(root, 'deploy/link.yaml'));
    await symlink('../shared', join(root, 'deploy/linkdir'));
    expect(names(await render(root, 'deploy'))).toEqual(['app', 'shared', 'shared']);
  });

  it('refuses a symlink pointing outside the repository', async () => {
    const outside = await repo({ 'secret.yaml': cm('secret') });
    const root = await repo({ 'deploy/app.yaml': cm('app') });
    await symlink(join(outside, 'secret.yaml'), join(root, 'deploy/file.yaml'));
    await expect(render(root, 'deploy')).rejects.toThrow(
      new RenderError('deploy/file.yaml: symlink points outside the repository'),
    );
    const root2 = await repo({ 'deploy/app.yaml': cm('app') });
    await symlink(outside, join(root2, 'deploy/dir'));
    await expect(render(root2, 'deploy')).rejects.toThrow(RenderError);
    const root3 = await repo({ 'deploy/app.yaml': cm('app') });
    await symlink('/nonexistent/target.yaml', join(root3, 'deploy/dangling.yaml'));
    await expect(render(root3, 'deploy')).rejects.toThrow(RenderError);
  });

  it('fails on a symlink loop instead of walking forever', async () => {
    const root = await repo({ 'deploy/app.yaml': cm('app') });
    await symlink('.', join(root, 'deploy/loop'));
    await expect(render(root, 'deploy')).rejects.toThrow(
      new RenderError('deploy/loop: symlink makes a loop'),
    );
    const nested = await repo({ 'deploy/a/app.yaml': cm('app') });
    await symlink('../..', join(nested, 'deploy/a/up'));
    await expect(render(nested, '.')).rejects.toThrow(new RenderError('deploy/a/up: symlink makes a loop'));
  });

  it('refuses a path that leaves the repository', async () => {
    const root = await repo({ 'deploy/app.yaml': cm('app') });
    await expect(render(root, '../')).rejects.toThrow(PathEscapeError);
    await expect(render(root, 'deploy/../../x')).rejects.toThrow(PathEscapeError);
    await expect(render(root, 'missing')).rejects.toThrow(PathEscapeError);
    await symlink(base, join(root, 'up'));
    await expect(render(root, 'up')).rejects.toThrow(/is a link that leaves the repository/);
  });

  it('refuses a path that is a file', async () => {
    const root = await repo({ 'deploy/app.yaml': cm('app') });
    await expect(render(root, 'deploy/app.yaml')).rejects.toThrow(
      new RenderError('path "deploy/app.yaml" is not a directory'),
    );
  });

  it('builds with kustomize when the path has a kustomization file', async () => {
    const root = await repo({
      'base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'base/cm.yaml': cm('settings'),
      'overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: prod-\ncommonLabels: {env: prod}\n',
      'overlay/ignored.yaml': cm('not-listed'),
    });
    const out = await render(root, 'overlay', { kustomize });
    expect(out).toEqual([
      {
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'prod-settings', labels: { env: 'prod' } },
        },
        source: 'kustomize build overlay',
      },
    ]);
  });

  it('recognises kustomization.yml and Kustomization too', async () => {
    for (const file of ['kustomization.yml', 'Kustomization']) {
      const root = await repo({
        [`k/${file}`]: 'resources: [cm.yaml]\nnameSuffix: -k\n',
        'k/cm.yaml': cm('x'),
      });
      expect(names(await render(root, 'k', { kustomize })), file).toEqual(['x-k']);
    }
  });

  it('reports kustomize failures as RenderError with its message', async () => {
    const root = await repo({ 'k/kustomization.yaml': 'resources: [missing.yaml]\n' });
    await expect(render(root, 'k', { kustomize })).rejects.toThrow(RenderError);
    await expect(render(root, 'k', { kustomize })).rejects.toThrow(/^kustomize build k: .*missing\.yaml/);
  });

  it('says when kustomize is not installed', async () => {
    const root = await repo({ 'kustomization.yaml': 'resources: []\n' });
    const missing = join(base, 'no-such-kustomize');
    await expect(render(root, '', { kustomize: missing })).rejects.toThrow(
      new RenderError(`kustomize is not installed (looked for ${missing})`),
    );
  });

  it('refuses kustomize bases outside the repository', async () => {
    const outside = await repo({ 'kustomization.yaml': 'resources: [cm.yaml]\n', 'cm.yaml': cm('outside') });
    const rel = `../../${outside.slice(base.length + 1)}`;
    const root = await repo({ 'overlay/kustomization.yaml': `resources: ['${rel}']\n` });
    await expect(render(root, 'overlay', { kustomize })).rejects.toThrow(RenderError);
    await expect(render(root, 'overlay', { kustomize })).rejects.toThrow(/leaves the repository/);
  });

  it('refuses kustomize bases that leave the repository through a symlink or a nested base', async () => {
    const outside = await repo({ 'kustomization.yaml': 'resources: [cm.yaml]\n', 'cm.yaml': cm('outside') });
    const linked = await repo({ 'overlay/kustomization.yaml': 'resources: [base]\n' });
    await symlink(outside, join(linked, 'overlay/base'));
    await expect(render(linked, 'overlay', { kustomize })).rejects.toThrow(/leaves the repository/);

    const rel = `../../${outside.slice(base.length + 1)}`;
    const nested = await repo({
      'overlay/kustomization.yaml': 'resources: [../base]\n',
      'base/kustomization.yaml': `components: ['${rel}']\n`,
    });
    await expect(render(nested, 'overlay', { kustomize })).rejects.toThrow(
      /base\/kustomization\.yaml: components entry .* leaves the repository/,
    );
  });
});
