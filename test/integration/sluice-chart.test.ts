// Sluice's own Helm chart (charts/sluice) has one source, manifests/ and crds/: what is
// committed is what `npm run chart:generate` writes, and `helm template` renders exactly the
// objects `kustomize build manifests/` does.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, generateChart } from '../../charts/generate.ts';

const run = promisify(execFile);
let bin: string;
let home: string;

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { replicas?: number; template?: { spec: { containers: { image: string; args?: string[] }[] } } };
}

const objects = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null)
    .sort((a, b) =>
      `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.kind}/${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );

async function helmTemplate(args: string[]): Promise<Obj[]> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HELM_CONFIG_HOME: home,
    HELM_CACHE_HOME: home,
    HELM_DATA_HOME: home,
  };
  const { stdout } = await run(
    join(bin, 'helm'),
    ['template', 'sluice', CHART_DIR, '--include-crds', ...args],
    {
      env,
      maxBuffer: 64 << 20,
    },
  );
  return objects(stdout);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(CHART_DIR, join(e.parentPath, e.name)));
}

beforeAll(async () => {
  bin = (await run('bash', [new URL('../control-plane/build.sh', import.meta.url).pathname])).stdout.trim();
  home = await mkdtemp(join(tmpdir(), 'sluice-chart-test-'));
}, 120_000);

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe('charts/sluice', () => {
  it('is what npm run chart:generate writes from manifests/ and crds/', async () => {
    const generated = await generateChart(join(bin, 'kustomize'));
    const committed = await filesUnder(CHART_DIR);
    expect(committed.sort()).toEqual([...generated.keys()].sort());
    for (const [path, text] of generated) {
      expect(
        await readFile(join(CHART_DIR, path), 'utf8'),
        `${path} is stale: run npm run chart:generate`,
      ).toBe(text);
    }
  });

  it('renders with helm template exactly the objects kustomize build manifests/ does', async () => {
    const { stdout } = await run(
      join(bin, 'kustomize'),
      ['build', new URL('../../manifests', import.meta.url).pathname],
      {
        maxBuffer: 64 << 20,
      },
    );
    const kustomized = objects(stdout);
    const helmed = await helmTemplate(['--namespace', 'sluice-system', '--set', 'createNamespace=true']);
    expect(helmed.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      kustomized.map((o) => `${o.kind}/${o.metadata.name}`),
    );
    expect(helmed).toEqual(kustomized);
  });

  it('takes the release namespace, image and replicas from the release', async () => {
    const rendered = await helmTemplate([
      '--namespace',
      'gitops',
      '--set',
      'image.repository=registry.example.com/sluice',
      '--set',
      'image.tag=9.9.9',
      '--set',
      'replicas=3',
    ]);
    const deployment = rendered.find((o) => o.kind === 'Deployment');
    expect(deployment?.metadata.namespace).toBe('gitops');
    expect(deployment?.spec?.replicas).toBe(3);
    expect(deployment?.spec?.template?.spec.containers[0]?.image).toBe('registry.example.com/sluice:9.9.9');
    expect(rendered.some((o) => o.kind === 'Namespace')).toBe(false);
    expect(rendered.filter((o) => o.metadata.namespace && o.metadata.namespace !== 'gitops')).toEqual([]);
  });

  it('runs every replica on its share of the shards with sharding=auto', async () => {
    const rendered = await helmTemplate(['--set', 'sharding=auto', '--set', 'replicas=3']);
    const deployment = rendered.find((o) => o.kind === 'Deployment');
    const args = deployment?.spec?.template?.spec.containers[0]?.args ?? [];
    expect(deployment?.spec?.replicas).toBe(3);
    expect(args).toContain('--sharding=auto');
    expect(args).not.toContain('--leader-elect');
  });
});
