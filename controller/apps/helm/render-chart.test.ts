import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pinnedBinary } from '../../../test/support/render-fixtures.ts';
import { type ChartContext, chartObjects, renderAppChart } from './app-chart.ts';
import { HelmRenderError } from './helm-errors.ts';
import { type ChartRenderInput, helmMessage, renderChart, templateArgs } from './render-chart.ts';

const fixture = fileURLToPath(new URL('../../../test/e2e/fixtures/charts/web', import.meta.url));
let helm: string;
let root: string;

beforeAll(async () => {
  helm = pinnedBinary('helm');
  root = await realpath(await mkdtemp(join(tmpdir(), 'sluice-helm-test-')));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh checkout holding the fixture chart at charts/web, with `edit` applied. */
async function checkout(name: string, edit?: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(root, name);
  await cp(fixture, join(dir, 'charts/web'), { recursive: true });
  await edit?.(join(dir, 'charts/web'));
  return dir;
}

const capabilities = {
  kubeVersion: 'v1.37.2',
  apiVersions: ['e2e-helm.sluice.dev/v1', 'e2e-helm.sluice.dev/v1/Widget'],
};

function context(
  objects: Record<string, Record<string, string>> = {},
  renders: boolean[] = [],
): ChartContext {
  return {
    helm,
    capabilities: async () => capabilities,
    readObject: async (ref) => {
      const data = objects[`${ref.kind}/${ref.name}`];
      return data ? { metadata: { name: ref.name }, data } : undefined;
    },
    onRender: ({ cached }) => renders.push(cached),
  };
}

const app = { name: 'shop', namespace: 'apps', targetNamespace: 'prod', helm: undefined };

function find(objects: { object: Record<string, unknown> }[], kind: string, name: string) {
  return objects.find((o) => o.object.kind === kind && (o.object.metadata as { name: string }).name === name)
    ?.object as
    | { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } }
    | undefined;
}

describe('renderAppChart', () => {
  it('renders with values files, valuesFrom and inline values in that order, CRDs, hooks and vendored dependencies', async () => {
    const dir = await checkout('values');
    const secret = Buffer.from('fromSecret: s3cret\n').toString('base64');
    const ctx = context({
      'ConfigMap/cfg': { 'values.yaml': 'fromConfigMap: cm\ncolor: red\n' },
      'Secret/sec': { v: secret },
    });
    const { rendered } = await renderAppChart(
      dir,
      join(dir, 'charts/web'),
      {
        ...app,
        helm: {
          valuesFiles: ['values-prod.yaml'],
          valuesFrom: [
            { kind: 'ConfigMap', name: 'cfg' },
            { kind: 'Secret', name: 'sec', valuesKey: 'v' },
            { kind: 'ConfigMap', name: 'absent', optional: true },
          ],
          values: { greeting: 'hi' },
        },
      },
      ctx,
    );
    const settings = find(rendered, 'ConfigMap', 'shop-settings');
    expect(settings?.data).toMatchObject({
      greeting: 'hi',
      color: 'red', // the ConfigMap comes after values-prod.yaml
      fromConfigMap: 'cm',
      fromSecret: 's3cret',
      release: 'shop/prod',
      kubeVersion: 'v1.37.2',
      hasWidgets: 'true',
    });
    expect(find(rendered, 'CustomResourceDefinition', 'widgets.e2e-helm.sluice.dev')).toBeDefined();
    expect(find(rendered, 'ConfigMap', 'shop-cache')?.data).toEqual({ size: 'small' });
    expect(find(rendered, 'Job', 'shop-migrate')?.metadata.annotations?.['helm.sh/hook']).toBe(
      'pre-install,pre-upgrade',
    );
    expect(rendered.find((o) => o.object.kind === 'ConfigMap')?.source).toMatch(/^web\/(templates|charts)\//);
  });

  it('leaves CRDs out with skipCRDs and sets a valuesFrom key at targetPath', async () => {
    const dir = await checkout('skip');
    const ctx = context({ 'ConfigMap/c': { greeting: 'from-path' } });
    const { rendered } = await renderAppChart(
      dir,
      join(dir, 'charts/web'),
      {
        ...app,
        helm: {
          skipCRDs: true,
          valuesFrom: [{ kind: 'ConfigMap', name: 'c', valuesKey: 'greeting', targetPath: 'greeting' }],
        },
      },
      ctx,
    );
    expect(rendered.map((o) => o.object.kind)).not.toContain('CustomResourceDefinition');
    expect(find(rendered, 'ConfigMap', 'shop-settings')?.data?.greeting).toBe('from-path');
  });

  it('stalls on a required valuesFrom that is missing, naming it', async () => {
    const dir = await checkout('missing-ref');
    const run = renderAppChart(
      dir,
      join(dir, 'charts/web'),
      { ...app, helm: { valuesFrom: [{ kind: 'Secret', name: 'creds' }] } },
      context(),
    );
    await expect(run).rejects.toThrow(HelmRenderError);
    await expect(run).rejects.toThrow(
      'Helm chart charts/web: valuesFrom Secret creds key values.yaml not found',
    );
  });

  it('refuses values files outside the repository', async () => {
    const dir = await checkout('escape');
    await expect(
      renderAppChart(
        dir,
        join(dir, 'charts/web'),
        { ...app, helm: { valuesFiles: ['../../../etc/passwd'] } },
        context(),
      ),
    ).rejects.toThrow(/leaves the repository/);
  });

  it('refuses a symlink in the chart that points outside the repository', async () => {
    const dir = await checkout('link', (d) => symlink('/etc/hostname', join(d, 'files.txt')));
    await expect(renderAppChart(dir, join(dir, 'charts/web'), app, context())).rejects.toThrow(
      'Helm chart charts/web (web 0.1.0): files.txt: symlink points outside the repository',
    );
  });

  it('stalls naming a dependency that is not vendored', async () => {
    const dir = await checkout('deps', (d) => rm(join(d, 'charts'), { recursive: true }));
    await expect(renderAppChart(dir, join(dir, 'charts/web'), app, context())).rejects.toThrow(
      'Helm chart charts/web (web 0.1.0): dependency "cache" 0.1.0 not vendored under charts/',
    );
  });

  it("reports a template error with helm's file and line", async () => {
    const dir = await checkout('broken', async (d) => {
      const file = join(d, 'templates/settings.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('.Values.color', '.Values.nope.field'));
    });
    await expect(renderAppChart(dir, join(dir, 'charts/web'), app, context())).rejects.toThrow(
      /^Helm chart charts\/web \(web 0\.1\.0\): web\/templates\/settings\.yaml:9:\d+ executing .* nil pointer evaluating interface \{\}\.field$/,
    );
  });
});

describe('renderChart', () => {
  const input = (chartDir: string, values: Record<string, unknown>[] = []): ChartRenderInput => ({
    chartDir,
    chartLabel: 'web',
    releaseName: 'r',
    namespace: 'n',
    valuesFiles: [],
    values,
    skipCRDs: false,
    capabilities,
  });

  it('runs helm once for an unchanged chart and values, again when a value or a file changes', async () => {
    const dir = join(await checkout('cache'), 'charts/web');
    const renders: boolean[] = [];
    const onRender = ({ cached }: { cached: boolean }) => renders.push(cached);
    const first = await renderChart(input(dir), { helm, onRender });
    const again = await renderChart(input(dir), { helm, onRender });
    expect(again).toEqual(first);
    await renderChart(input(dir, [{ color: 'pink' }]), { helm, onRender });
    await writeFile(
      join(dir, 'templates/more.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: more}\n',
    );
    const changed = await renderChart(input(dir), { helm, onRender });
    expect(renders).toEqual([false, true, false, false]);
    expect(
      chartObjects(changed.manifests).map((o) => (o.object.metadata as { name: string }).name),
    ).toContain('more');
  });

  it('passes capabilities, namespace and values files to helm in order', () => {
    const args = templateArgs({ ...input('/c'), valuesFiles: ['/a.yaml'], skipCRDs: true }, ['/tmp/v0.yaml']);
    expect(args).toEqual([
      'template',
      'r',
      '/c',
      '--namespace',
      'n',
      '--kube-version',
      'v1.37.2',
      '--api-versions',
      'e2e-helm.sluice.dev/v1',
      '--api-versions',
      'e2e-helm.sluice.dev/v1/Widget',
      '--values',
      '/a.yaml',
      '--values',
      '/tmp/v0.yaml',
    ]);
  });

  it("keeps helm's message and drops the checkout's paths", () => {
    expect(
      helmMessage(
        'Error: /x/c/templates/a.yaml:3: bad\n\nUse --debug flag to render out invalid YAML\n',
        '/x/c',
      ),
    ).toBe('templates/a.yaml:3: bad');
  });

  it('parses into objects named by their template', () => {
    const out = chartObjects(
      '---\n# Source: web/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    );
    expect(out).toEqual([
      {
        object: parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}'),
        source: 'web/templates/a.yaml',
      },
    ]);
  });
});
