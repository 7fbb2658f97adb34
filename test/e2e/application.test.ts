import { beforeAll, describe, expect, it } from 'vitest';
import { applicationResource } from '../../controller/api/application.ts';
import { core } from '../../controller/kube/resources.ts';
import { appSuite, configMapYaml as cm, configMaps, deploymentYaml as deployment } from '../support/apps.ts';
import { eventually } from '../support/cluster.ts';
import { applyObject, condition, configMapsOnlyAccount } from '../support/kinds.ts';

const suite = appSuite('apps', {
  files: {
    'base/config.yaml': cm('settings', { color: 'blue' }),
    'base/web.yaml': deployment('web', 2),
    'base/keep.yaml': cm('keeper', { a: '1' }, '  annotations:\n    sluice.dev/prune: disabled\n'),
  },
});
const { cluster, application, getApp, waitApplied, cmData } = suite;
const pushAndWait = suite.push;
let ns: string;
beforeAll(() => {
  ns = suite.ns;
});

describe('Application', () => {
  it('applies a directory, records inventory, and reports health from the live objects', async () => {
    await applyObject(cluster.api, applicationResource, application('base', { path: 'base' }));
    const app = await waitApplied('base', await suite.work.head());
    expect(app.status?.syncStatus).toBe('Synced');
    expect(app.status?.inventory?.entries?.map((e) => e.id).sort()).toEqual([
      `${ns}_keeper__ConfigMap`,
      `${ns}_settings__ConfigMap`,
      `${ns}_web_apps_Deployment`,
    ]);
    expect(await cmData('settings')).toEqual({ color: 'blue' });
    const healthy = await eventually(async () => {
      const a = await getApp('base');
      expect(a.status?.health).toBe('Healthy');
      return a;
    }, 60_000);
    expect(condition(healthy, 'Healthy')?.status).toBe('True');
    expect(healthy.status?.history?.[0]?.result).toBe('Succeeded');
  });

  it('applies a change, prunes what left git, and keeps what opts out of pruning', async () => {
    const sha = await pushAndWait(
      { 'base/config.yaml': cm('settings', { color: 'green' }), 'base/keep.yaml': null },
      'change and remove',
    );
    const app = await waitApplied('base', sha);
    expect(await cmData('settings')).toEqual({ color: 'green' });
    expect(await cmData('keeper')).toEqual({ a: '1' });
    expect(app.status?.inventory?.entries).toHaveLength(2);
    expect(app.status?.history?.[0]?.objectsPruned).toBe(0);
    expect(app.status?.history?.length).toBeGreaterThanOrEqual(2);
  });

  it('reverts a change made by hand within seconds', async () => {
    const lastSync = (await getApp('base')).status?.history?.[0];
    await cluster.kubectl([
      'patch',
      '-n',
      ns,
      'configmap/settings',
      '--type=merge',
      '-p',
      '{"data":{"color":"red"}}',
    ]);
    await eventually(
      async () => {
        expect(await cmData('settings')).toEqual({ color: 'green' });
      },
      20_000,
      100,
    );
    // Put back by one drift correction of that object, recorded in the history at the
    // revision already applied: the watch saw the change, no new commit was involved.
    const corrected = await eventually(async () => {
      const a = await getApp('base');
      expect(a.status?.history?.[0]).not.toEqual(lastSync);
      expect(a.status?.history?.[0]).toMatchObject({ message: 'drift corrected', result: 'Succeeded' });
      return a;
    });
    expect(corrected.status?.history?.[0]?.revision).toBe(corrected.status?.lastAppliedRevision);
    expect(
      suite.ctl.logs.filter(
        (l) => l.msg === 'drift corrected' && JSON.stringify(l.objects).includes('settings'),
      ),
    ).toHaveLength(1);
    await cluster.kubectl(['delete', '-n', ns, 'configmap/settings']);
    await eventually(
      async () => {
        expect(await cmData('settings')).toEqual({ color: 'green' });
      },
      20_000,
      100,
    );
  });

  it('refuses a commit with malformed YAML, leaves the cluster as it was, and recovers on the next', async () => {
    const bad = await pushAndWait(
      {
        'base/config.yaml': cm('settings', { color: 'purple' }),
        'base/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n',
      },
      'broken',
    );
    const failed = await eventually(async () => {
      const a = await getApp('base');
      expect(a.status?.lastAttemptedRevision).toBe(`main@sha1:${bad}`);
      expect(condition(a, 'Ready')?.status).toBe('False');
      return a;
    }, 45_000);
    expect(condition(failed, 'Ready')?.reason).toBe('BuildFailed');
    expect(condition(failed, 'Ready')?.message).toMatch(/base\/broken\.yaml:5/);
    expect(condition(failed, 'Stalled')?.status).toBe('True');
    expect(failed.status?.history?.[0]?.result).toBe('Failed');
    expect(await cmData('settings')).toEqual({ color: 'green' });
    const good = await pushAndWait({ 'base/broken.yaml': null }, 'fix');
    await waitApplied('base', good);
    expect(await cmData('settings')).toEqual({ color: 'purple' });
  });

  it('applies a CRD and its custom resource from one commit', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.e2e.sluice.dev}
spec:
  group: e2e.sluice.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`;
    const sha = await pushAndWait(
      {
        'crd/crd.yaml': crd,
        'crd/widget.yaml':
          'apiVersion: e2e.sluice.dev/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n',
      },
      'crd',
    );
    await applyObject(cluster.api, applicationResource, application('crd', { path: 'crd' }));
    await waitApplied('crd', sha);
    const widget = await cluster.api.get(
      { group: 'e2e.sluice.dev', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true },
      ns,
      'w1',
    );
    expect((widget.spec as { size: number }).size).toBe(3);
  });

  it('renders a kustomize overlay and honours dependsOn', async () => {
    const sha = await pushAndWait(
      {
        'kbase/kustomization.yaml': 'resources: [cm.yaml]\n',
        'kbase/cm.yaml': cm('kcm', { env: 'base' }),
        'overlay/kustomization.yaml':
          'resources: [../kbase]\nnamePrefix: prod-\ncommonLabels: {tier: prod}\n',
      },
      'kustomize',
    );
    await applyObject(
      cluster.api,
      applicationResource,
      application('second', { path: 'overlay', dependsOn: [{ name: 'first' }] }),
    );
    // Reconciled and held back: it had its chance to apply, and applied nothing.
    await eventually(async () => {
      const waiting = await getApp('second');
      expect(condition(waiting, 'Ready')?.reason).toBe('DependencyNotReady');
      expect(waiting.status?.observedGeneration ?? condition(waiting, 'Ready')?.observedGeneration).toBe(
        waiting.metadata.generation,
      );
    });
    expect(await cmData('prod-kcm')).toBeUndefined();
    await applyObject(
      cluster.api,
      applicationResource,
      application('first', { path: 'kbase', targetNamespace: ns }),
    );
    await waitApplied('first', sha);
    await waitApplied('second', sha);
    const overlay = await cluster.api.get(configMaps, ns, 'prod-kcm');
    expect(overlay.metadata.labels?.tier).toBe('prod');
  });

  it('applies as the named ServiceAccount and refuses what it may not write', async () => {
    await configMapsOnlyAccount(cluster, ns, 'tenant');
    const sha = await pushAndWait(
      {
        'tenant/ok.yaml': cm('tenant-ok', { a: 'b' }),
        'tenant/other-ns.yaml': cm('sneaky', { a: 'b' }).replace(
          '  name: sneaky\n',
          '  name: sneaky\n  namespace: default\n',
        ),
      },
      'tenant',
    );
    await applyObject(
      cluster.api,
      applicationResource,
      application('tenant', { path: 'tenant', serviceAccountName: 'tenant' }),
    );
    const refused = await eventually(async () => {
      const a = await getApp('tenant');
      expect(a.status?.lastAttemptedRevision).toBe(`main@sha1:${sha}`);
      expect(condition(a, 'Ready')?.status).toBe('False');
      return a;
    }, 45_000);
    expect(condition(refused, 'Ready')?.reason).toBe('ValidationFailed');
    expect(condition(refused, 'Ready')?.message).toMatch(/tenant\/other-ns\.yaml.*forbidden/);
    // Validation runs before anything is written: not even the allowed object was applied.
    expect(await cmData('tenant-ok')).toBeUndefined();
    expect(await cmData('sneaky', 'default')).toBeUndefined();
  });

  it('leaves objects in place when prune is off', async () => {
    const sha = await pushAndWait(
      { 'noprune/a.yaml': cm('np-a', { x: '1' }), 'noprune/b.yaml': cm('np-b', { x: '1' }) },
      'np',
    );
    await applyObject(
      cluster.api,
      applicationResource,
      application('noprune', { path: 'noprune', prune: false }),
    );
    await waitApplied('noprune', sha);
    const sha2 = await pushAndWait({ 'noprune/b.yaml': null }, 'np remove');
    await waitApplied('noprune', sha2);
    expect(await cmData('np-b')).toEqual({ x: '1' });
  });

  it('deletes from the cluster what a pruning Application removes from git', async () => {
    const sha = await pushAndWait({ 'base/extra.yaml': cm('extra', { e: '1' }) }, 'add extra');
    await waitApplied('base', sha);
    expect(await cmData('extra')).toEqual({ e: '1' });
    const sha2 = await pushAndWait({ 'base/extra.yaml': null }, 'remove extra');
    const app = await waitApplied('base', sha2);
    expect(await cmData('extra')).toBeUndefined();
    expect(app.status?.history?.[0]?.objectsPruned, JSON.stringify(app.status?.history?.slice(0, 3))).toBe(1);
    const events = await cluster.api.list(core.events, ns);
    expect(events.items.some((e) => (e as { reason?: string }).reason === 'Synced')).toBe(true);
  });

  it('takes a revision that changed only other paths without applying again or an Event', async () => {
    const other = await pushAndWait({ 'elsewhere/x.yaml': cm('elsewhere', { x: '1' }) }, 'other path');
    const app = await waitApplied('base', other);
    expect(app.status?.history?.[0]?.objectsChanged).toBe(0);
    // A change of its own afterwards is applied and announced as before.
    const own = await pushAndWait({ 'base/config.yaml': cm('settings', { color: 'teal' }) }, 'own change');
    await waitApplied('base', own);
    expect(await cmData('settings')).toEqual({ color: 'teal' });
    const notes = await eventually(async () => {
      const events = await cluster.api.list(core.events, ns);
      const synced = events.items
        .filter((e) => (e as { reason?: string }).reason === 'Synced')
        .map((e) => String((e as { note?: string }).note));
      expect(synced.some((n) => n.includes(own))).toBe(true);
      return synced;
    });
    expect(notes.filter((n) => n.includes(other))).toEqual([]);
  });
});
