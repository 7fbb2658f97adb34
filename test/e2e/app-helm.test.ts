// Helm charts in git, rendered by the controller with `helm template` on the real control
// plane: values (inline, files, ConfigMaps and Secrets), CRDs, a vendored dependency, hooks,
// pruning, template errors and the render cache.
//
// The chart is test/e2e/fixtures/charts/web. Its pre-install/pre-upgrade hook is a Job
// whose pod kwok completes (see app-hooks.test.ts), so each sync waits for it and goes on.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { appSuite, configMaps } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { applyObject, condition, createSecret } from '../support/kinds.ts';
import { sluice } from '../support/kubectl-sluice.ts';

const jobs: ResourceType = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };
const deployments = core.deployments;
const crds: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
};
const WIDGET_CRD = 'widgets.e2e-helm.sluice.dev';

const fixtures = fileURLToPath(new URL('fixtures/charts/', import.meta.url));

/** Every file of a fixture chart, as `charts/<name>/...` → content. */
function chartFiles(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out[`charts/${relative(fixtures, full)}`] = readFileSync(full, 'utf8');
    }
  };
  walk(join(fixtures, name));
  return out;
}

const web = chartFiles('web');
const settingsTemplate = web['charts/web/templates/settings.yaml'] as string;

const suite = appSuite('helm', { files: { ...web, ...chartFiles('nodeps') } });
const { cluster, application, getApp, waitApplied, cmData } = suite;
let ns: string;
beforeAll(() => {
  ns = suite.ns;
});
afterAll(async () => {
  await cluster.api.delete(crds, undefined, WIDGET_CRD).catch(() => undefined);
});

const shop = (spec: Partial<Application['spec']> = {}) =>
  application('shop', {
    path: 'charts/web',
    interval: '2s',
    timeout: '2m',
    helm: {
      valuesFiles: ['values-prod.yaml'],
      valuesFrom: [
        { kind: 'ConfigMap', name: 'shop-values' },
        { kind: 'Secret', name: 'shop-secret-values', valuesKey: 'secret.yaml' },
        { kind: 'ConfigMap', name: 'not-there', optional: true },
      ],
      values: { greeting: 'hi' },
    },
    ...spec,
  });

async function putValues(fromConfigMap: string): Promise<void> {
  await cluster.api.apply(
    configMaps,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shop-values', namespace: ns },
      data: { 'values.yaml': `fromConfigMap: ${fromConfigMap}\n` },
    },
    { fieldManager: 'test' },
  );
}

async function events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
  const list = await cluster.api.list<KubeObject>(core.events, ns);
  return list.items
    .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
    .map((e) => ({ reason: String(e.reason), note: String(e.note), type: String(e.type) }));
}

async function helmRenders(cached: boolean): Promise<number> {
  const text = await (await fetch(`${suite.ctl.probeUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`sluice_helm_renders_total{cached="${cached}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const jobImage = async (name: string) =>
  (
    (await cluster.api.getOrUndefined<KubeObject>(jobs, ns, name)) as
      | { spec: { template: { spec: { containers: { image: string }[] } } } }
      | undefined
  )?.spec.template.spec.containers[0]?.image;

describe('Helm charts from git', () => {
  let first: string;

  it('renders a chart with values files, valuesFrom and inline values, its CRDs, a vendored dependency, and runs its hooks by phase and weight', async () => {
    first = await suite.work.head();
    await putValues('cm');
    await createSecret(cluster.api, ns, 'shop-secret-values', { 'secret.yaml': 'fromSecret: s3cret\n' });
    await applyObject(cluster.api, applicationResource, shop());
    const app = await waitApplied('shop', first);
    expect(await cmData('shop-settings')).toMatchObject({
      greeting: 'hi', // inline values win
      color: 'green', // values-prod.yaml over the chart's values.yaml
      fromConfigMap: 'cm',
      fromSecret: 's3cret',
      release: `shop/${ns}`,
    });
    expect((await cmData('shop-settings'))?.kubeVersion).toMatch(/^v1\.\d+\.\d+$/);
    // The vendored dependency, with the parent's values for it.
    expect(await cmData('shop-cache')).toEqual({ size: 'small' });
    expect(await cluster.api.getOrUndefined(crds, undefined, WIDGET_CRD)).toBeDefined();
    expect(await cluster.api.getOrUndefined(deployments, ns, 'shop-web')).toBeDefined();
    // The pre-install hooks ran by weight (kwok completes their pods), the post-install one
    // after the objects, deleted once it succeeded (hook-succeeded); hooks are not part of the
    // inventory, and the test hook is never applied.
    const op = app.status?.operation;
    const records = (op?.hooks ?? []).map((h) => ({
      key: h.key,
      step: h.step,
      state: h.state,
      deleted: h.deleted === true,
    }));
    // The chart's CRD changes the cluster's capabilities, so a later reconcile may render again
    // and apply without hooks (a replay); either way the record of what ran stays.
    expect(records).toEqual([
      {
        key: `PreSync/${ns}_shop-migrate_batch_Job`,
        step: 'PreSync/-5',
        state: 'Succeeded',
        deleted: false,
      },
      { key: `PreSync/${ns}_shop-seed_batch_Job`, step: 'PreSync/5', state: 'Succeeded', deleted: false },
      {
        key: `PostSync/${ns}_shop-notify_batch_Job`,
        step: 'PostSync/0',
        state: 'Succeeded',
        deleted: true,
      },
    ]);
    const migrate = await cluster.api.get<KubeObject>(jobs, ns, 'shop-migrate');
    const seed = await cluster.api.get<KubeObject>(jobs, ns, 'shop-seed');
    // The weight -5 hook completed before the weight 5 hook was created.
    expect(
      Date.parse(String((migrate.status as { completionTime?: string }).completionTime)),
    ).toBeLessThanOrEqual(Date.parse(String(seed.metadata.creationTimestamp)));
    expect(await cluster.api.getOrUndefined(jobs, ns, 'shop-notify')).toBeUndefined();
    expect(await jobImage('shop-migrate')).toBe('example.invalid/migrate:green');
    expect(await cluster.api.getOrUndefined(core.pods, ns, 'shop-connection-test')).toBeUndefined();
    const ids = app.status?.inventory?.entries?.map((e) => e.id) ?? [];
    expect(ids).toContain(`_${WIDGET_CRD}_apiextensions.k8s.io_CustomResourceDefinition`);
    expect(ids.some((id) => id.includes('_batch_Job'))).toBe(false);
    // Rendered before its CRD existed, the chart did not see the kind; the CRD's apply makes
    // the controller read the cluster's API versions again, and the chart renders anew.
    await eventually(async () => expect((await cmData('shop-settings'))?.hasWidgets).toBe('true'), 45_000);
  });

  it('leaves the CRDs out with skipCRDs', async () => {
    await applyObject(
      cluster.api,
      applicationResource,
      application('lean', {
        path: 'charts/web',
        helm: { skipCRDs: true, values: { migration: { enabled: false } } },
      }),
    );
    const app = await waitApplied('lean', first);
    expect(await cmData('lean-settings')).toMatchObject({ color: 'blue', release: `lean/${ns}` });
    expect(
      app.status?.inventory?.entries
        ?.map((e) => e.id)
        .filter((id) => id.includes('CustomResourceDefinition')),
    ).toEqual([]);
  });

  it('kubectl sluice diff renders the chart as the controller would: nothing to change for a synced app, every object for a suspended one', async () => {
    const synced = await sluice(cluster, ['diff', 'app', 'shop', '-n', ns]);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    expect(synced.stderr).toMatch(/: no differences \(5 objects\)\n$/);
    await applyObject(
      cluster.api,
      applicationResource,
      application('preview', {
        path: 'charts/web',
        suspend: true,
        helm: { values: { greeting: 'preview' } },
      }),
    );
    const preview = await sluice(cluster, ['diff', 'app', 'preview', '-n', ns]);
    expect(preview.code, preview.stderr).toBe(1);
    expect(preview.stdout).toContain(
      `# ConfigMap ${ns}/preview-settings: create (web/templates/settings.yaml)\n`,
    );
    expect(preview.stdout).toContain('+  greeting: preview\n');
    expect(preview.stdout).toContain(
      `# ConfigMap ${ns}/preview-cache: create (web/charts/cache/templates/cache.yaml)\n`,
    );
    // Hooks are created by each sync, never diffed; test hooks are never applied.
    expect(preview.stdout).not.toContain('preview-migrate');
    expect(preview.stdout).not.toContain('preview-connection-test');
  });

  it('does not run helm again for an unchanged chart, and renders again when a valuesFrom ConfigMap changes', async () => {
    const ran = await helmRenders(false);
    // A periodic reconcile (interval 2s) finds the chart, values and capabilities unchanged.
    const checked = suite.ctl.logs.length;
    await suite.ctl.waitForLog(
      (l) =>
        suite.ctl.logs.indexOf(l) >= checked &&
        l.msg === 'chart inputs checked' &&
        l.name === 'shop' &&
        l.unchanged === true,
      30_000,
    );
    // A forced sync renders through the cache.
    const cachedBefore = await helmRenders(true);
    const requested = new Date().toISOString();
    await cluster.kubectl([
      'annotate',
      '--overwrite',
      '-n',
      ns,
      'application/shop',
      `sluice.dev/reconcile-requested-at=${requested}`,
    ]);
    await eventually(async () =>
      expect((await getApp('shop')).status?.lastHandledReconcileAt).toBe(requested),
    );
    expect(await helmRenders(true)).toBeGreaterThan(cachedBefore);
    expect(await helmRenders(false)).toBe(ran);

    await putValues('cm2');
    await eventually(async () => expect((await cmData('shop-settings'))?.fromConfigMap).toBe('cm2'), 45_000);
    expect(await helmRenders(false)).toBeGreaterThan(ran);
  });

  it('prunes what a values change removes and runs the pre-upgrade hook again', async () => {
    expect(await cmData('shop-extra')).toEqual({ enabled: 'true' });
    const sha = await suite.push(
      { 'charts/web/values-prod.yaml': 'color: yellow\nextra:\n  enabled: false\n' },
      'no extra, yellow',
    );
    const app = await waitApplied('shop', sha);
    expect(await cmData('shop-extra')).toBeUndefined();
    expect((await cmData('shop-settings'))?.color).toBe('yellow');
    // before-hook-creation: the old Job was deleted and the hook created again with the new values.
    expect(await jobImage('shop-migrate')).toBe('example.invalid/migrate:yellow');
    expect(app.status?.operation?.hooks?.find((h) => h.key.startsWith('PreSync/'))?.state).toBe('Succeeded');
  });

  it("stalls on a template error with Helm's file and line, and keeps the last good state", async () => {
    const good = (await getApp('shop')).status?.lastAppliedRevision;
    const before = await cmData('shop-settings');
    const sha = await suite.push(
      {
        'charts/web/templates/settings.yaml': settingsTemplate.replace('.Values.color', '.Values.nope.field'),
        'charts/web/values-prod.yaml': 'color: red\n',
      },
      'broken template',
    );
    const app = await eventually(async () => {
      const a = await getApp('shop');
      expect(a.status?.lastAttemptedRevision).toBe(`main@sha1:${sha}`);
      expect(condition(a, 'Stalled')?.status).toBe('True');
      return a;
    }, 45_000);
    const message = condition(app, 'Ready')?.message ?? '';
    expect(message).toContain('Helm chart charts/web (web 0.1.0): web/templates/settings.yaml:9:');
    expect(message).toContain('nil pointer evaluating interface {}.field');
    expect(condition(app, 'Ready')?.reason).toBe('BuildFailed');
    expect(app.status?.lastAppliedRevision).toBe(good);
    expect(await cmData('shop-settings')).toEqual(before);
    await eventually(async () =>
      expect(await events('shop')).toContainEqual(
        expect.objectContaining({
          type: 'Warning',
          reason: 'BuildFailed',
          note: expect.stringContaining('settings.yaml:9:'),
        }),
      ),
    );
    expect(
      suite.ctl.logs.some(
        (l) =>
          JSON.stringify(l).includes('Helm chart charts/web') &&
          JSON.stringify(l).includes('settings.yaml:9'),
      ),
    ).toBe(true);

    const fixed = await suite.push(
      { 'charts/web/templates/settings.yaml': settingsTemplate },
      'fixed template',
    );
    await waitApplied('shop', fixed);
    expect((await cmData('shop-settings'))?.color).toBe('red');
  });

  it('stalls naming a dependency that is not vendored, and a required valuesFrom that is missing', async () => {
    await applyObject(cluster.api, applicationResource, application('nodeps', { path: 'charts/nodeps' }));
    await applyObject(
      cluster.api,
      applicationResource,
      application('novalues', {
        path: 'charts/web',
        helm: { valuesFrom: [{ kind: 'Secret', name: 'absent' }] },
      }),
    );
    await eventually(async () => {
      const a = await getApp('nodeps');
      expect(condition(a, 'Stalled')?.status).toBe('True');
      // Not vendored, and no HelmRepository in the namespace serves its URL.
      expect(condition(a, 'Ready')?.message).toContain(
        `dependency "redis" (repository "https://charts.example.invalid"): no HelmRepository in namespace ${ns} has this URL`,
      );
    }, 45_000);
    await eventually(async () => {
      const a = await getApp('novalues');
      expect(condition(a, 'Stalled')?.status).toBe('True');
      expect(condition(a, 'Ready')?.message).toContain('valuesFrom Secret absent key values.yaml not found');
    }, 45_000);
    expect(await cmData('nodeps-config')).toBeUndefined();
    expect(await cmData('novalues-settings')).toBeUndefined();
  });
});
