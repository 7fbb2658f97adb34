// What a render reads, found as it renders (render.ts, render-source.ts, chart-inputs.ts).
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedBinary, writeRepo } from '../../../test/support/render-fixtures.ts';
import { render } from '../render.ts';
import { renderSource } from '../render-source.ts';
import { recordChartInputs } from './chart-inputs.ts';
import { InputRecorder } from './input-paths.ts';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('the inputs of a render', () => {
  let base: string;
  let kustomize: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sluice-inputs-')));
    kustomize = pinnedBinary('kustomize');
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const repo = (files: Record<string, string>) => writeRepo(base, files);

  it('of plain YAML: the directory, and what a link in it points at', async () => {
    const root = await repo({ 'apps/a/cm.yaml': cm('a'), 'shared/extra.yaml': cm('extra') });
    await symlink('../../shared/extra.yaml', join(root, 'apps/a/extra.yaml'));
    const { inputs } = await renderSource(root, 'apps/a', { kustomize });
    expect(inputs).toEqual(['apps/a', 'shared/extra.yaml']);
  });

  it('of a path that is a link: the link and what it points at', async () => {
    const root = await repo({ 'shared/a/cm.yaml': cm('a') });
    await mkdir(join(root, 'apps'));
    await symlink('../shared/a', join(root, 'apps/a'));
    const { inputs } = await renderSource(root, 'apps/a', { kustomize });
    expect(inputs).toEqual(['apps/a', 'shared/a']);
  });

  it('of a kustomize overlay: its directory and every base and component, recursively', async () => {
    const root = await repo({
      'apps/a/kustomization.yaml': 'resources: [../../bases/web]\ncomponents: [../../components/probes]\n',
      'bases/web/kustomization.yaml': 'resources: [cm.yaml, ../common]\n',
      'bases/web/cm.yaml': cm('web'),
      'bases/common/kustomization.yaml': 'resources: [cm.yaml]\n',
      'bases/common/cm.yaml': cm('common'),
      'components/probes/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {probes: "on"}\n',
      'unrelated/cm.yaml': cm('other'),
    });
    const { inputs, rendered } = await renderSource(root, 'apps/a', { kustomize });
    expect(rendered).toHaveLength(2);
    expect(inputs).toEqual(['apps/a', 'bases/common', 'bases/web', 'components/probes']);
  });

  it('of a kustomization with a remote base: unknown', async () => {
    const root = await repo({
      'apps/a/kustomization.yaml':
        'resources:\n  - cm.yaml\n  - https://example.invalid/org/repo//base?ref=v1\n',
      'apps/a/cm.yaml': cm('a'),
    });
    const inputs = new InputRecorder(root);
    // kustomize cannot fetch it here; what matters is that the set became unknown on the way.
    await render(root, 'apps/a', { kustomize, inputs }).catch(() => undefined);
    expect(inputs.result()).toBeUndefined();
  });

  it('of a chart: its directory and the values files spec.helm names', async () => {
    const root = await repo({
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'charts/web/templates/cm.yaml': cm('web'),
      'envs/prod/values.yaml': 'replicas: 3\n',
    });
    const inputs = new InputRecorder(root);
    await recordChartInputs(
      root,
      join(root, 'charts/web'),
      'charts/web',
      { valuesFiles: ['../../envs/prod/values.yaml'] },
      inputs,
    );
    expect(inputs.result()).toEqual(['charts/web', 'envs/prod/values.yaml']);
  });

  it('of a chart with a dependency to fetch from a chart repository: unknown', async () => {
    const root = await repo({
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.2.3\n    repository: https://charts.example.invalid\n',
    });
    const inputs = new InputRecorder(root);
    await recordChartInputs(root, join(root, 'charts/web'), 'charts/web', undefined, inputs);
    expect(inputs.result()).toBeUndefined();
  });

  it('of a chart whose dependencies are vendored: the chart directory alone', async () => {
    const root = await repo({
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: common\n    version: 1.0.0\n    repository: file://../common\n',
      'charts/web/charts/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 1.0.0\n',
    });
    const inputs = new InputRecorder(root);
    await recordChartInputs(root, join(root, 'charts/web'), 'charts/web', undefined, inputs);
    expect(inputs.result()).toEqual(['charts/web']);
  });
});
