// The operation runner on a small in-memory API: the order of steps, waits that end the
// call, a restart in the middle (the operation round-trips through JSON, as status does),
// failure with SyncFail hooks, and timeouts.

import { beforeEach, describe, expect, it } from 'vitest';
import type { SyncOperation } from '../../api/application.ts';
import { KubeApiError } from '../../kube/api-errors.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../kube/resources.ts';
import type { DesiredObject } from '../manifest.ts';
import { objectOptions } from '../object-options.ts';
import type { RestMapper } from '../rest-mapper.ts';
import { SyncError, type Syncer } from '../sync.ts';
import type { DeletePolicy, HookPhase } from './hook-annotations.ts';
import { HookObjects, hookOutcome } from './hook-objects.ts';
import { runOperation, SyncOperationFailed, SyncWaiting } from './operation.ts';

type Obj = KubeObject & { status?: Record<string, unknown> };

/** Objects by `kind/name`; what was sent, in order. */
class MiniApi {
  readonly objects = new Map<string, Obj>();
  readonly log: string[] = [];
  /** Names whose next create the API server refuses. */
  readonly refuse = new Set<string>();
  private n = 0;

  private key = (rt: ResourceType, name: string) => `${rt.kind}/${name}`;

  async create<T>(rt: ResourceType, o: KubeObject): Promise<T> {
    const meta = o.metadata as { name?: string; generateName?: string };
    const name = meta.name ?? `${meta.generateName}${++this.n}`;
    if (this.objects.has(this.key(rt, name))) throw new KubeApiError(409, 'AlreadyExists', 'exists');
    if (this.refuse.delete(name)) throw new KubeApiError(422, 'Invalid', 'spec.template: Required value');
    this.log.push(`create ${rt.kind}/${name}`);
    const obj = { ...structuredClone(o), metadata: { ...o.metadata, name } } as Obj;
    this.objects.set(this.key(rt, name), obj);
    return obj as T;
  }

  async apply<T>(rt: ResourceType, o: KubeObject): Promise<T> {
    this.log.push(`apply ${rt.kind}/${o.metadata.name}`);
    const obj = structuredClone(o) as Obj;
    this.objects.set(this.key(rt, o.metadata.name), obj);
    return obj as T;
  }

  async get<T>(rt: ResourceType, _ns: string | undefined, name: string): Promise<T> {
    const o = this.objects.get(this.key(rt, name));
    if (!o) throw new KubeApiError(404, 'NotFound', `${name} not found`);
    return o as T;
  }

  async getOrUndefined<T>(rt: ResourceType, _ns: string | undefined, name: string): Promise<T | undefined> {
    return this.objects.get(this.key(rt, name)) as T | undefined;
  }

  async delete(rt: ResourceType, _ns: string | undefined, name: string): Promise<boolean> {
    this.log.push(`delete ${rt.kind}/${name}`);
    return this.objects.delete(this.key(rt, name));
  }

  /** The job controller's verdict on a Job. */
  finish(name: string, how: 'Complete' | 'Failed'): void {
    const o = this.objects.get(`Job/${name}`) as Obj;
    o.status = {
      conditions: [{ type: how, status: 'True', message: how === 'Failed' ? 'BackoffLimitExceeded' : '' }],
    };
  }
}

const mapper = {
  map: async (apiVersion: string, kind: string): Promise<ResourceType> => ({
    group: apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '',
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced: true,
  }),
  invalidate: () => {},
} as unknown as RestMapper;

function desired(
  kind: string,
  name: string,
  opts: {
    wave?: number;
    hook?: HookPhase[];
    policies?: DeletePolicy[];
    generate?: boolean;
    status?: object;
  } = {},
): DesiredObject {
  const apiVersion = kind === 'Job' ? 'batch/v1' : kind === 'Deployment' ? 'apps/v1' : 'v1';
  const metadata = opts.generate ? { generateName: name, namespace: 'ns' } : { name, namespace: 'ns' };
  return {
    id: `ns_${name}__${kind}`,
    apiVersion,
    kind,
    name,
    options: objectOptions(undefined),
    ...(opts.generate ? { generateName: name } : {}),
    namespace: 'ns',
    namespaced: true,
    wave: opts.wave ?? 0,
    ...(opts.hook
      ? { hook: { phases: opts.hook, deletePolicies: opts.policies ?? ['BeforeHookCreation'] } }
      : {}),
    source: `${name}.yaml`,
    object: { apiVersion, kind, metadata, ...(opts.status ? { status: opts.status } : {}) } as KubeObject,
  };
}

let api: MiniApi;
let now: number;
let op: SyncOperation;

const syncer = (): Syncer => ({ api: api as unknown as ObjectApi, mapper, impersonate: undefined });

/** One reconcile: the operation read from status, run, and written back. */
async function run(objects: DesiredObject[], timeoutMs = 60_000) {
  const current = JSON.parse(JSON.stringify(op)) as SyncOperation;
  try {
    return await runOperation({
      s: syncer(),
      hooks: new HookObjects(syncer(), () => {}),
      desired: objects,
      op: current,
      now: () => new Date(now),
      timeoutMs,
    });
  } finally {
    op = current;
  }
}

beforeEach(() => {
  api = new MiniApi();
  now = Date.parse('2026-01-01T00:00:00Z');
  op = { revision: 'r1', startedAt: new Date(now).toISOString(), phase: 'Running', step: 0 };
});

describe('runOperation', () => {
  const app = [
    desired('Job', 'migrate-', { hook: ['PreSync'], generate: true }),
    desired('ConfigMap', 'config'),
    desired('Job', 'smoke', { hook: ['PostSync'], policies: ['HookSucceeded'] }),
    { ...desired('ConfigMap', 'skipped'), skip: true },
  ];

  it('runs PreSync, then the objects, then PostSync, waiting for each hook across reconciles', async () => {
    await expect(run(app)).rejects.toThrow(
      new SyncWaiting('waiting for PreSync hook Job ns/migrate-1 to complete'),
    );
    expect(api.log).toEqual(['create Job/migrate-1']);
    // A restart: the operation comes back from status, and the hook is not created again.
    await expect(run(app)).rejects.toThrow(SyncWaiting);
    expect(api.log).toEqual(['create Job/migrate-1']);

    api.finish('migrate-1', 'Complete');
    await expect(run(app)).rejects.toThrow('waiting for PostSync hook Job ns/smoke to complete');
    expect(api.log).toEqual(['create Job/migrate-1', 'apply ConfigMap/config', 'apply Job/smoke']);

    api.finish('smoke', 'Complete');
    await run(app);
    expect(op.phase).toBe('Succeeded');
    expect(api.log.at(-1)).toBe('delete Job/smoke'); // HookSucceeded
    expect(op.hooks?.map((h) => [h.key, h.state, h.deleted === true])).toEqual([
      ['PreSync/ns_migrate-__Job', 'Succeeded', false],
      ['PostSync/ns_smoke__Job', 'Succeeded', true],
    ]);
    expect(api.objects.has('ConfigMap/skipped')).toBe(false);
  });

  it('deletes the earlier instance of a BeforeHookCreation hook before the next operation creates it', async () => {
    await run(app).catch(() => {});
    api.finish('migrate-1', 'Complete');
    await run(app).catch(() => {});
    api.finish('smoke', 'Complete');
    await run(app);
    op = {
      revision: 'r2',
      startedAt: new Date(now).toISOString(),
      phase: 'Running',
      step: 0,
      hooks: (op.hooks ?? []).filter((h) => !h.deleted).map((h) => ({ ...h, step: '' })),
    };
    api.log.length = 0;
    await expect(run(app)).rejects.toThrow('ns/migrate-2');
    expect(api.log).toEqual(['delete Job/migrate-1', 'create Job/migrate-2']);
  });

  it('stops at a failed PreSync hook, runs SyncFail hooks and applies nothing else', async () => {
    const objects = [...app, desired('Job', 'cleanup', { hook: ['SyncFail'], policies: ['HookSucceeded'] })];
    await run(objects).catch(() => {});
    api.finish('migrate-1', 'Failed');
    await expect(run(objects)).rejects.toThrow(SyncWaiting);
    expect(op.failing).toBe(true);
    api.finish('cleanup', 'Complete');
    const failed = await run(objects).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(SyncOperationFailed);
    expect((failed as SyncOperationFailed).reason).toBe('HookFailed');
    expect((failed as Error).message).toBe('PreSync hook Job ns/migrate-1 failed: BackoffLimitExceeded');
    expect(op.phase).toBe('Failed');
    // Named hooks without BeforeHookCreation are applied (the same object, kept up to date).
    expect(api.log).toEqual(['create Job/migrate-1', 'apply Job/cleanup', 'delete Job/cleanup']);
  });

  it('starts a wave once the previous one is healthy', async () => {
    const objects = [
      desired('Deployment', 'web', { status: { replicas: 0 } }),
      desired('ConfigMap', 'after', { wave: 1 }),
    ];
    await expect(run(objects)).rejects.toThrow(/^waiting for wave 0 to be healthy: Deployment ns\/web/);
    expect(api.objects.has('ConfigMap/after')).toBe(false);
    const web = api.objects.get('Deployment/web') as Obj;
    web.status = { replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
    await run(objects);
    expect(api.objects.has('ConfigMap/after')).toBe(true);
    expect(op.phase).toBe('Succeeded');
  });

  it('fails a step that waits longer than the timeout', async () => {
    await run(app, 10_000).catch(() => {});
    now += 11_000;
    const failed = await run(app, 10_000).catch((e: unknown) => e);
    expect((failed as SyncOperationFailed).reason).toBe('SyncTimedOut');
    expect((failed as Error).message).toBe(
      'timed out after 10s waiting for PreSync hook Job ns/migrate-1 to complete',
    );
  });
});

describe('runOperation: a hook the API server refuses', () => {
  it('names the hook, and a retry creates only the hooks not created yet', async () => {
    const objects = [
      desired('Job', 'a-', { hook: ['PreSync'], generate: true }),
      desired('Job', 'b-', { hook: ['PreSync'], generate: true }),
    ];
    api.refuse.add('b-2');
    const refused = await run(objects).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SyncError);
    expect((refused as SyncError).invalid).toBe(true);
    expect((refused as Error).message).toBe(
      'PreSync hook Job ns/b- (b-.yaml): spec.template: Required value',
    );
    await expect(run(objects)).rejects.toThrow(SyncWaiting);
    expect(api.log).toEqual(['create Job/a-1', 'create Job/b-3']);
  });
});

describe('hookOutcome', () => {
  it('judges a Pod by its phase: Running is not done', () => {
    expect(hookOutcome('Pod', { status: { phase: 'Running' } }).state).toBe('Running');
    expect(hookOutcome('Pod', { status: { phase: 'Succeeded' } }).state).toBe('Succeeded');
    expect(hookOutcome('Pod', { status: { phase: 'Failed', message: 'OOMKilled' } })).toEqual({
      state: 'Failed',
      message: 'OOMKilled',
    });
  });

  it('judges a Job done only once it completed: a suspended one has not run yet', () => {
    const job = (spec: object, conditions: object[] = []) => ({ kind: 'Job', spec, status: { conditions } });
    expect(hookOutcome('Job', job({ suspend: true })).state).toBe('Running');
    expect(hookOutcome('Job', job({}, [{ type: 'Complete', status: 'True' }])).state).toBe('Succeeded');
    expect(
      hookOutcome('Job', job({}, [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }])),
    ).toEqual({
      state: 'Failed',
      message: 'BackoffLimitExceeded',
    });
  });

  it('judges other kinds by health, and a hook gone before it finished as failed', () => {
    expect(hookOutcome('Job', { kind: 'Job', status: {} }).state).toBe('Running');
    expect(hookOutcome('ConfigMap', { kind: 'ConfigMap' }).state).toBe('Succeeded');
    expect(hookOutcome('Job', undefined)).toEqual({
      state: 'Failed',
      message: 'deleted before it completed',
    });
  });
});
