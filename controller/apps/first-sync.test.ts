import { describe, expect, it } from 'vitest';
import type { Application } from '../api/application.ts';
import { KubeApiError } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { createsOnly, undoCreated } from './first-sync.ts';
import { appTarget, plan } from './pipeline.ts';
import type { RestMapper } from './rest-mapper.ts';
import { apply, SyncError, type Syncer } from './sync.ts';

/** Objects by `Kind/name`; applies of names in `refuse` are refused as the API server would. */
class Api {
  readonly objects = new Map<string, KubeObject>();
  readonly deleted: { id: string; uid: string | undefined }[] = [];
  readonly refuse = new Set<string>();
  /** Objects someone else made just before: their managers, as the apply's answer lists them. */
  readonly managers = new Map<string, string>();
  private uids = 0;

  async apply(rt: ResourceType, obj: KubeObject): Promise<KubeObject> {
    if (this.refuse.has(obj.metadata.name)) throw new KubeApiError(422, 'Invalid', `${rt.kind} is invalid`);
    const managedFields = [{ manager: this.managers.get(obj.metadata.name) ?? 'sluice', operation: 'Apply' }];
    const live = { ...obj, metadata: { ...obj.metadata, uid: `uid-${++this.uids}`, managedFields } };
    this.objects.set(`${rt.kind}/${obj.metadata.name}`, live);
    return live;
  }

  async delete(rt: ResourceType, _ns: string | undefined, name: string, opts: { uid?: string } = {}) {
    this.deleted.push({ id: `${rt.kind}/${name}`, uid: opts.uid });
    return this.objects.delete(`${rt.kind}/${name}`);
  }
}

const served = new Set(['ConfigMap', 'Service', 'Job', 'Namespace']);
const mapper = {
  map: async (apiVersion: string, kind: string): Promise<ResourceType> => {
    if (!served.has(kind)) throw new Error(`${apiVersion} ${kind} is not served`);
    return {
      group: '',
      version: 'v1',
      kind,
      plural: `${kind.toLowerCase()}s`,
      namespaced: kind !== 'Namespace',
    };
  },
  invalidate: () => undefined,
} as unknown as RestMapper;

const app = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'team' },
  spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1m', prune: true },
} as Application;

const obj = (kind: string, name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, ...(annotations ? { annotations } : {}) },
});

async function desired(objects: KubeObject[]) {
  return plan(
    mapper,
    objects.map((object, i) => ({ object, source: `f${i}.yaml` })),
    appTarget(app),
  );
}

function syncer(api: Api, existing: string[] = []): Syncer {
  return {
    api: api as unknown as ObjectApi,
    mapper,
    impersonate: undefined,
    absent: async (rt, _ns, name) => !existing.includes(`${rt.kind}/${name}`),
  };
}

describe('a first sync that only creates', () => {
  it('is taken when every object is absent, in one step without hooks', async () => {
    const objects = await desired([obj('ConfigMap', 'a'), obj('Service', 'b')]);
    expect(await createsOnly(syncer(new Api()), objects, objects)).toBe(true);
  });

  it('is not taken when one object exists, whoever made it', async () => {
    const objects = await desired([obj('ConfigMap', 'a'), obj('Service', 'b')]);
    expect(await createsOnly(syncer(new Api(), ['Service/b']), objects, objects)).toBe(false);
  });

  it('is not taken without a way to know what exists', async () => {
    const objects = await desired([obj('ConfigMap', 'a')]);
    const { absent: _, ...blind } = syncer(new Api());
    expect(await createsOnly(blind, objects, objects)).toBe(false);
  });

  it('is not taken with hooks, several waves, or a kind not served yet', async () => {
    const withHook = await desired([
      obj('ConfigMap', 'a'),
      obj('Job', 'migrate', { 'argocd.argoproj.io/hook': 'PreSync' }),
    ]);
    const owned = withHook.filter((o) => !o.hook);
    expect(await createsOnly(syncer(new Api()), withHook, owned)).toBe(false);
    const waves = await desired([
      obj('ConfigMap', 'a'),
      obj('Service', 'b', { 'argocd.argoproj.io/sync-wave': '1' }),
    ]);
    expect(await createsOnly(syncer(new Api()), waves, waves)).toBe(false);
    const unserved = await desired([obj('ConfigMap', 'a')]);
    const gizmo = { ...(unserved[0] as (typeof unserved)[number]), kind: 'Gizmo', name: 'g' };
    expect(await createsOnly(syncer(new Api()), [...unserved, gizmo], [...unserved, gizmo])).toBe(false);
  });

  it('deletes what it created, by uid, when an object is refused, and says so', async () => {
    const api = new Api();
    api.refuse.add('bad');
    const s = syncer(api);
    const objects = await desired([obj('Namespace', 'made'), obj('ConfigMap', 'a'), obj('ConfigMap', 'bad')]);
    const err = await apply(s, objects).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).written.map((w) => w.object.name).sort()).toEqual(['a', 'made']);
    await undoCreated(s, err);
    expect(api.objects.size).toBe(0);
    expect(api.deleted.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'ConfigMap/a', uid: expect.stringMatching(/^uid-/) },
      { id: 'Namespace/made', uid: expect.stringMatching(/^uid-/) },
    ]);
    expect((err as SyncError).message).toMatch(
      /apply failed: ConfigMap team\/bad .*; the 2 objects this first sync had created were deleted again$/,
    );
    expect((err as SyncError).invalid).toBe(true);
  });

  it('leaves an object another manager had made a moment before, and says so', async () => {
    const api = new Api();
    api.refuse.add('bad');
    api.managers.set('raced', 'kubectl');
    const s = syncer(api);
    const objects = await desired([
      obj('ConfigMap', 'a'),
      obj('ConfigMap', 'raced'),
      obj('ConfigMap', 'bad'),
    ]);
    const err = await apply(s, objects).catch((e: unknown) => e);
    await undoCreated(s, err);
    expect(api.deleted.map((d) => d.id)).toEqual(['ConfigMap/a']);
    expect([...api.objects.keys()]).toEqual(['ConfigMap/raced']);
    expect((err as SyncError).message).toContain(
      'the 1 object this first sync had created was deleted again; ConfigMap team/raced (f1.yaml): made by another manager just before, left in place',
    );
  });

  it('names what it could not delete', async () => {
    const api = new Api();
    api.refuse.add('bad');
    api.delete = async () => {
      throw new KubeApiError(503, 'ServiceUnavailable', 'unavailable');
    };
    const s = syncer(api);
    const err = await apply(s, await desired([obj('ConfigMap', 'a'), obj('ConfigMap', 'bad')])).catch(
      (e: unknown) => e,
    );
    await undoCreated(s, err);
    expect((err as SyncError).message).toContain(
      'deleting what this first sync had created failed for ConfigMap team/a (f0.yaml)',
    );
  });
});
