// The stages `kubectl sluice diff` shares with a sync, against a small in-memory API: what the
// dry-run sends is what apply sends, as the same identity, and prune deletes its prune set.

import { describe, expect, it } from 'vitest';
import type { Application } from '../api/application.ts';
import type { Impersonation } from '../kube/client.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { Service } from '../rollouts/services.ts';
import { type DesiredObject, inventoryEntry } from './manifest.ts';
import { appTarget, plan, syncTarget } from './pipeline.ts';
import type { RestMapper } from './rest-mapper.ts';
import { apply, dryRun, prune, pruneSet } from './sync.ts';

const HASH = 'rollouts-pod-template-hash';

interface Sent {
  verb: 'dry-run' | 'apply' | 'delete';
  id: string;
  object?: KubeObject;
  impersonate: Impersonation | undefined;
}

/** Objects by `Kind/namespace/name`; every write is recorded. */
class FakeApi {
  readonly objects = new Map<string, KubeObject>();
  readonly sent: Sent[] = [];

  async apply<T extends KubeObject>(
    rt: ResourceType,
    obj: KubeObject,
    opts: { dryRun?: boolean; impersonate?: Impersonation } = {},
  ): Promise<T> {
    const id = `${rt.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    this.sent.push({
      verb: opts.dryRun ? 'dry-run' : 'apply',
      id,
      object: obj,
      impersonate: opts.impersonate,
    });
    if (!opts.dryRun) this.objects.set(id, obj);
    return obj as T;
  }

  async getOrUndefined<T extends KubeObject>(rt: ResourceType, ns: string | undefined, name: string) {
    return this.objects.get(`${rt.kind}/${ns}/${name}`) as T | undefined;
  }

  async delete(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    opts: { impersonate?: Impersonation } = {},
  ): Promise<boolean> {
    const id = `${rt.kind}/${ns}/${name}`;
    this.sent.push({ verb: 'delete', id, impersonate: opts.impersonate });
    return this.objects.delete(id);
  }
}

const mapper = {
  map: async (apiVersion: string, kind: string): Promise<ResourceType> => ({
    group: apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '',
    version: apiVersion.split('/').at(-1) as string,
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced: true,
  }),
  invalidate: () => undefined,
} as unknown as RestMapper;

const app: Application = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'team' },
  spec: {
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    interval: '1m',
    prune: true,
    serviceAccountName: 'deployer',
  },
};

const rendered = (objects: KubeObject[]) => objects.map((object, i) => ({ object, source: `f${i}.yaml` }));
const svc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' } },
};
const cm = (name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  data: { a: '1' },
});

function target(api: FakeApi, of: Application = app) {
  return syncTarget({
    api: api as unknown as ObjectApi,
    mapper,
    app: of,
    defaultServiceAccount: 'sluice-system/sluice-applier',
    liveService: (o) => api.objects.get(`Service/${o.namespace}/${o.name}`) as Service | undefined,
    liveObject: (o, rt) => api.getOrUndefined(rt, o.namespace, o.name),
  });
}

describe('the stages diff shares with a sync', () => {
  it('dry-runs exactly what apply sends, as the same applier, keeping a Rollout selector hash', async () => {
    const api = new FakeApi();
    api.objects.set('Service/team/web', { ...svc, spec: { selector: { app: 'web', [HASH]: 'abc' } } });
    const s = target(api);
    const desired = await plan(mapper, rendered([svc, cm('settings')]), appTarget(app));
    const checked = await dryRun(s, desired);
    await apply(s, desired);
    const dry = api.sent.filter((x) => x.verb === 'dry-run');
    const real = api.sent.filter((x) => x.verb === 'apply');
    expect(dry.map(({ verb: _, ...rest }) => rest)).toEqual(real.map(({ verb: _, ...rest }) => rest));
    expect(checked.map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
    expect(real[0]?.impersonate).toEqual({ user: 'system:serviceaccount:team:deployer' });
    expect((real[0]?.object?.spec as Service['spec'])?.selector).toEqual({ app: 'web', [HASH]: 'abc' });
    expect(real[1]?.object?.metadata.labels).toMatchObject({ 'sluice.dev/app-name': 'web' });
  });

  it('prunes its prune set: what left git and is still there, never what opts out', async () => {
    const api = new FakeApi();
    const s = target(api);
    const before = await plan(
      mapper,
      rendered([
        cm('kept'),
        cm('gone'),
        cm('opted-out', { 'sluice.dev/prune': 'disabled' }),
        cm('argo-kept', { 'argocd.argoproj.io/sync-options': 'Prune=false' }),
        cm('flux-kept', { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }),
        cm('deleted'),
      ]),
      appTarget(app),
    );
    await apply(s, before);
    api.objects.delete('ConfigMap/team/deleted');
    const after = await plan(mapper, rendered([cm('kept')]), appTarget(app));
    const keep = new Set(after.map((o) => o.id));
    const previous = before.map(inventoryEntry);
    const set = await pruneSet(s, previous, keep);
    expect(set.map((p) => p.live.metadata.name)).toEqual(['gone']);
    expect(await prune(s, set)).toEqual(['team_gone__ConfigMap']);
    expect(api.sent.filter((x) => x.verb === 'delete')).toEqual([
      {
        verb: 'delete',
        id: 'ConfigMap/team/gone',
        impersonate: { user: 'system:serviceaccount:team:deployer' },
      },
    ]);
  });

  it('marks PruneLast=true objects of the prune set, and keeps objects whose live annotations cannot be read', async () => {
    const api = new FakeApi();
    const s = target(api);
    const before = await plan(
      mapper,
      rendered([cm('first'), cm('late', { 'argocd.argoproj.io/sync-options': 'PruneLast=true' })]),
      appTarget(app),
    );
    await apply(s, before);
    const live = api.objects.get('ConfigMap/team/first') as KubeObject;
    api.objects.set('ConfigMap/team/unreadable', {
      ...live,
      metadata: {
        ...live.metadata,
        name: 'unreadable',
        annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'maybe' },
      },
    });
    const previous = [...before.map(inventoryEntry), { id: 'team_unreadable__ConfigMap', v: 'v1' }];
    const set = await pruneSet(s, previous, new Set());
    expect(set.map((p) => [p.live.metadata.name, p.last])).toEqual([
      ['first', false],
      ['late', true],
    ]);
  });

  it('leaves out of dry-run and apply the fields ignoreDifferences names that another manager owns', async () => {
    const api = new FakeApi();
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, paused: false },
    };
    const ignoring: Application = {
      ...app,
      spec: {
        ...app.spec,
        ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
      },
    };
    const s = target(api, ignoring);
    const desired = await plan(mapper, rendered([deployment, cm('settings')]), appTarget(app));
    await apply(s, desired);
    // Created whole, as Argo CD does; then scaled by another manager.
    expect(api.sent.find((x) => x.id === 'Deployment/team/web')?.object?.spec).toEqual({
      replicas: 2,
      paused: false,
    });
    const scaled = {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        namespace: 'team',
        managedFields: [
          { manager: 'kubectl', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ],
      },
      spec: { replicas: 5, paused: false },
    } as KubeObject;
    api.objects.set('Deployment/team/web', scaled);
    await dryRun(s, desired);
    await apply(s, desired);
    const sent = api.sent.filter((x) => x.id === 'Deployment/team/web').slice(-2);
    expect(sent.map((x) => [x.verb, x.object?.spec])).toEqual([
      ['dry-run', { paused: false }],
      ['apply', { paused: false }],
    ]);
    expect(s.ignored?.(desired[0] as DesiredObject, scaled)).toEqual(['/spec/replicas']);
    expect(s.ignored?.(desired[1] as DesiredObject, scaled)).toEqual([]);
  });
});
