import { describe, expect, it } from 'vitest';
import {
  APP_NAME_LABEL,
  APP_NAMESPACE_LABEL,
  appObjects,
  type DesiredObject,
  inventoryId,
  ManifestError,
  parseInventoryId,
  prepare,
  stages,
} from './manifest.ts';
import { objectOptions } from './object-options.ts';
import type { RenderedObject } from './render.ts';

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);
const KNOWN = new Set([...CLUSTER_SCOPED, 'ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);

/** A REST mapper for built-in kinds only: custom kinds are unknown until their CRD is applied. */
function scopeOf(_apiVersion: string, kind: string): boolean | undefined {
  if (!KNOWN.has(kind)) return undefined;
  return !CLUSTER_SCOPED.has(kind);
}

const app = { name: 'shop', namespace: 'apps' };

function rendered(object: Record<string, unknown>, source = 'deploy/app.yaml'): RenderedObject {
  return { object, source };
}

function obj(apiVersion: string, kind: string, name: string, metadata: Record<string, unknown> = {}) {
  return { apiVersion, kind, metadata: { name, ...metadata } };
}

function prep(objects: RenderedObject[], targetNamespace?: string): DesiredObject[] {
  return prepare(objects, { app, targetNamespace, scopeOf });
}

describe('prepare', () => {
  it('names the source when apiVersion, kind or name is missing', () => {
    expect(() => prep([rendered({ kind: 'ConfigMap', metadata: { name: 'x' } }, 'a.yaml#2')])).toThrow(
      new ManifestError('a.yaml#2: apiVersion is missing'),
    );
    expect(() => prep([rendered({ apiVersion: 'v1', metadata: { name: 'x' } }, 'b.yaml')])).toThrow(
      new ManifestError('b.yaml: kind is missing'),
    );
    expect(() => prep([rendered({ apiVersion: 'v1', kind: 'ConfigMap' }, 'c.yaml')])).toThrow(
      new ManifestError('c.yaml: ConfigMap has no metadata.name'),
    );
    expect(() =>
      prep([rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }, 'd.yaml')]),
    ).toThrow(/d\.yaml: ConfigMap has no metadata.name/);
  });

  it('refuses a kind the API server does not serve and no CRD in the set defines', () => {
    expect(() => prep([rendered(obj('example.com/v1', 'Widget', 'w'), 'w.yaml')])).toThrow(
      new ManifestError('w.yaml: the API server does not serve kind Widget in example.com/v1'),
    );
  });

  it("puts namespaced objects in the targetNamespace, else their own namespace, else the Application's", () => {
    const objects = [
      rendered(obj('v1', 'ConfigMap', 'declared', { namespace: 'other' })),
      rendered(obj('v1', 'ConfigMap', 'undeclared')),
    ];
    expect(prep(objects, 'target').map((o) => o.namespace)).toEqual(['target', 'target']);
    expect(prep(objects).map((o) => o.namespace)).toEqual(['other', 'apps']);
    const [declared] = prep(objects, 'target');
    expect(declared?.object.metadata.namespace).toBe('target');
  });

  it('takes the namespace off cluster-scoped objects', () => {
    const [ns, role] = prep(
      [
        rendered(obj('v1', 'Namespace', 'team', { namespace: 'ignored' })),
        rendered(obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader')),
      ],
      'target',
    );
    expect(ns?.namespace).toBeUndefined();
    expect(ns?.namespaced).toBe(false);
    expect(ns?.object.metadata).not.toHaveProperty('namespace');
    expect(role?.namespace).toBeUndefined();
    expect(role?.id).toBe('_reader_rbac.authorization.k8s.io_ClusterRole');
  });

  it('learns the scope of custom kinds from a CRD in the same set', () => {
    const crd = (kind: string, scope: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${kind.toLowerCase()}s.example.com` },
      spec: { group: 'example.com', names: { kind, plural: `${kind.toLowerCase()}s` }, scope },
    });
    const out = prep([
      rendered(obj('example.com/v1', 'Widget', 'w', { namespace: 'x' }), 'w.yaml'),
      rendered(obj('example.com/v1', 'Gadget', 'g', { namespace: 'x' }), 'g.yaml'),
      rendered(crd('Widget', 'Namespaced'), 'crds.yaml#1'),
      rendered(crd('Gadget', 'Cluster'), 'crds.yaml#2'),
    ]);
    expect(out.map((o) => [o.kind, o.namespaced, o.namespace])).toEqual([
      ['Widget', true, 'x'],
      ['Gadget', false, undefined],
      ['CustomResourceDefinition', false, undefined],
      ['CustomResourceDefinition', false, undefined],
    ]);
  });

  it('prefers what the API server says over a CRD in the set', () => {
    const out = prepare(
      [
        rendered(obj('example.com/v1', 'Widget', 'w')),
        rendered({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'widgets.example.com' },
          spec: { group: 'example.com', names: { kind: 'Widget' }, scope: 'Namespaced' },
        }),
      ],
      {
        app,
        targetNamespace: undefined,
        scopeOf: (v, kind) => (kind === 'Widget' ? false : scopeOf(v, kind)),
      },
    );
    expect(out[0]?.namespaced).toBe(false);
  });

  it('refuses duplicates and names both sources', () => {
    expect(() =>
      prep([
        rendered(obj('v1', 'ConfigMap', 'cfg', { namespace: 'apps' }), 'a.yaml'),
        rendered(obj('v1', 'ConfigMap', 'cfg'), 'b.yaml#3'),
      ]),
    ).toThrow(new ManifestError('b.yaml#3: ConfigMap apps/cfg is also defined in a.yaml'));
    expect(() =>
      prep([
        rendered(obj('v1', 'Namespace', 'team'), 'a.yaml'),
        rendered(obj('v1', 'Namespace', 'team'), 'b.yaml'),
      ]),
    ).toThrow(new ManifestError('b.yaml: Namespace team is also defined in a.yaml'));
  });

  it('counts objects as duplicates once targetNamespace has moved them together', () => {
    expect(() =>
      prep(
        [
          rendered(obj('v1', 'ConfigMap', 'cfg', { namespace: 'one' }), 'a.yaml'),
          rendered(obj('v1', 'ConfigMap', 'cfg', { namespace: 'two' }), 'b.yaml'),
        ],
        'target',
      ),
    ).toThrow(/b\.yaml: ConfigMap target\/cfg is also defined in a\.yaml/);
  });

  it('keeps objects of different kinds, groups or namespaces with one name apart', () => {
    const out = prep([
      rendered(obj('v1', 'ConfigMap', 'x')),
      rendered(obj('v1', 'Service', 'x')),
      rendered(obj('apps/v1', 'Deployment', 'x')),
      rendered(obj('v1', 'ConfigMap', 'x', { namespace: 'other' })),
    ]);
    expect(out.map((o) => o.id)).toEqual([
      'apps_x__ConfigMap',
      'apps_x__Service',
      'apps_x_apps_Deployment',
      'other_x__ConfigMap',
    ]);
  });

  it('adds the tracking labels, keeping the ones in git, without changing the input', () => {
    const input = obj('v1', 'ConfigMap', 'cfg', { labels: { team: 'a' } });
    const [out] = prep([rendered(input)]);
    expect(out?.object.metadata.labels).toEqual({
      team: 'a',
      [APP_NAME_LABEL]: 'shop',
      [APP_NAMESPACE_LABEL]: 'apps',
    });
    expect(input.metadata).toEqual({ name: 'cfg', labels: { team: 'a' } });
  });

  it('reads the sync wave, 0 by default, negative allowed', () => {
    const wave = (w: string | undefined, name: string) =>
      rendered(
        obj('v1', 'ConfigMap', name, w === undefined ? {} : { annotations: { 'sluice.dev/sync-wave': w } }),
      );
    expect(prep([wave(undefined, 'a'), wave('2', 'b'), wave('-1', 'c')]).map((o) => o.wave)).toEqual([
      0, 2, -1,
    ]);
  });

  it('refuses a sync wave that is not an integer', () => {
    for (const w of ['1.5', 'first', 'NaN']) {
      expect(
        () =>
          prep([
            rendered(obj('v1', 'ConfigMap', 'a', { annotations: { 'sluice.dev/sync-wave': w } }), 'a.yaml'),
          ]),
        w,
      ).toThrow(new ManifestError('a.yaml: sluice.dev/sync-wave must be an integer (ConfigMap a)'));
    }
  });
});

describe('inventoryId and parseInventoryId', () => {
  it("use Flux's <namespace>_<name>_<group>_<kind>", () => {
    expect(inventoryId({ namespace: 'apps', name: 'web', apiVersion: 'apps/v1', kind: 'Deployment' })).toBe(
      'apps_web_apps_Deployment',
    );
    expect(inventoryId({ namespace: 'apps', name: 'cfg', apiVersion: 'v1', kind: 'ConfigMap' })).toBe(
      'apps_cfg__ConfigMap',
    );
    expect(inventoryId({ namespace: undefined, name: 'team', apiVersion: 'v1', kind: 'Namespace' })).toBe(
      '_team__Namespace',
    );
  });

  it('round-trip, with the version from the entry', () => {
    expect(parseInventoryId({ id: 'apps_web_apps_Deployment', v: 'v1' })).toEqual({
      namespace: 'apps',
      name: 'web',
      group: 'apps',
      kind: 'Deployment',
      version: 'v1',
    });
    expect(parseInventoryId({ id: '_team__Namespace', v: 'v1' })).toEqual({
      namespace: undefined,
      name: 'team',
      group: '',
      kind: 'Namespace',
      version: 'v1',
    });
    const id = inventoryId({
      namespace: 'apps',
      name: 'r',
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Rollout',
    });
    expect(parseInventoryId({ id, v: 'v1alpha1' })).toMatchObject({ group: 'sluice.dev', kind: 'Rollout' });
  });

  it('refuses ids without four parts', () => {
    expect(() => parseInventoryId({ id: 'apps_web_Deployment', v: 'v1' })).toThrow(ManifestError);
    expect(() => parseInventoryId({ id: 'a_b_c_d_e', v: 'v1' })).toThrow(/malformed inventory id a_b_c_d_e/);
  });
});

describe('stages', () => {
  function desired(kind: string, name: string, namespaced: boolean, wave = 0): DesiredObject {
    const namespace = namespaced ? 'apps' : undefined;
    return {
      id: `${namespace ?? ''}_${name}__${kind}`,
      apiVersion: 'v1',
      kind,
      name,
      namespace,
      namespaced,
      wave,
      options: objectOptions(undefined),
      source: 'x.yaml',
      object: { apiVersion: 'v1', kind, metadata: { name } },
    };
  }

  it('orders a wave: Namespaces, then CRDs, then cluster-scoped, then namespaced objects', () => {
    const cm = desired('ConfigMap', 'cm', true);
    const role = desired('ClusterRole', 'r', false);
    const crd = desired('CustomResourceDefinition', 'c', false);
    const ns = desired('Namespace', 'n', false);
    const svc = desired('Service', 's', true);
    expect(stages([cm, role, crd, ns, svc])).toEqual([[ns], [crd], [role], [cm, svc]]);
  });

  it('puts waves first, in numeric order, negative ones before 0', () => {
    const late = desired('Namespace', 'late', false, 10);
    const early = desired('ConfigMap', 'early', true, -1);
    const mid = desired('ConfigMap', 'mid', true, 2);
    const plain = desired('ConfigMap', 'plain', true);
    const ns = desired('Namespace', 'ns', false);
    expect(stages([late, mid, plain, early, ns])).toEqual([[early], [ns], [plain], [mid], [late]]);
  });

  it('is empty for nothing', () => {
    expect(stages([])).toEqual([]);
  });
});

describe('prepare: hooks', () => {
  const job = (metadata: Record<string, unknown>) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata });
  const jobScope = (apiVersion: string, kind: string) => (kind === 'Job' ? true : scopeOf(apiVersion, kind));

  it('accepts generateName on a hook, and marks hooks and skipped objects', () => {
    const [migrate, skipped] = prepare(
      [
        rendered(job({ generateName: 'migrate-', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } })),
        rendered(obj('v1', 'ConfigMap', 'later', { annotations: { 'argocd.argoproj.io/hook': 'Skip' } })),
      ],
      { app, targetNamespace: undefined, scopeOf: jobScope },
    );
    expect(migrate).toMatchObject({
      name: 'migrate-',
      generateName: 'migrate-',
      namespace: 'apps',
      hook: { phases: ['PreSync'], deletePolicies: ['BeforeHookCreation'] },
    });
    expect(migrate?.object.metadata).toMatchObject({ generateName: 'migrate-', namespace: 'apps' });
    expect(skipped?.skip).toBe(true);
    expect(appObjects([migrate, skipped] as DesiredObject[])).toEqual([]);
  });

  it('still wants a name on an object that is no hook', () => {
    expect(() =>
      prepare([rendered(job({ generateName: 'migrate-' }), 'manifests.yaml#1')], {
        app,
        targetNamespace: undefined,
        scopeOf: jobScope,
      }),
    ).toThrow(new ManifestError('manifests.yaml#1: Job has no metadata.name'));
  });

  it('refuses an unknown hook naming the file and the annotation', () => {
    expect(() =>
      prep([
        rendered(
          obj('v1', 'ConfigMap', 'a', { annotations: { 'argocd.argoproj.io/hook': 'Presync' } }),
          'h.yaml',
        ),
      ]),
    ).toThrow(/^h\.yaml: argocd\.argoproj\.io\/hook has an unknown value "Presync"/);
  });
});
