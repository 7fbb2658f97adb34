import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { DesiredObject } from './manifest.ts';
import { objectOptions } from './object-options.ts';
import { immutableField, immutableMessage, send } from './send.ts';

const rt: ResourceType = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };

const immutable = () =>
  new KubeApiError(422, 'Invalid', 'Job.batch "migrate" is invalid: spec.template: field is immutable', {
    causes: [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: ...: field is immutable',
        field: 'spec.template',
      },
    ],
  });

function desired(annotations: Record<string, string> = {}): DesiredObject {
  const object: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: 'ns', annotations },
    data: { a: 'git', c: 'git' },
  };
  return {
    id: 'ns_migrate_batch_Job',
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: 'migrate',
    namespace: 'ns',
    namespaced: true,
    wave: 0,
    options: objectOptions(annotations),
    source: 'job.yaml',
    object,
  };
}

/** One live object at most; every call recorded; `fail` answers the next writes. */
class FakeApi {
  live: KubeObject | undefined;
  readonly calls: string[] = [];
  readonly bodies: KubeObject[] = [];
  fail: unknown[] = [];

  private write(verb: string, obj: KubeObject): KubeObject {
    this.calls.push(verb);
    this.bodies.push(obj);
    const err = this.fail.shift();
    if (err) throw err;
    this.live = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.calls.length) } };
    return this.live;
  }
  async apply(_rt: ResourceType, obj: KubeObject, opts: { force?: boolean; fieldValidation?: string } = {}) {
    return this.write(`apply force=${opts.force ?? true} ${opts.fieldValidation ?? 'Strict'}`, obj);
  }
  async create(_rt: ResourceType, obj: KubeObject) {
    return this.write('create', obj);
  }
  async replace(_rt: ResourceType, obj: KubeObject) {
    return this.write(`replace rv=${obj.metadata.resourceVersion}`, obj);
  }
  async getOrUndefined() {
    this.calls.push('get');
    return this.live;
  }
  async get() {
    if (this.live) return this.live;
    throw new KubeApiError(404, 'NotFound', 'not found');
  }
  async delete(
    _rt: ResourceType,
    _ns: string | undefined,
    _name: string,
    opts: { propagationPolicy?: string },
  ) {
    this.calls.push(`delete ${opts.propagationPolicy}`);
    const existed = this.live !== undefined;
    this.live = undefined;
    return existed;
  }
}

function sender() {
  const api = new FakeApi();
  const notes: string[] = [];
  const s = {
    api: api as unknown as ObjectApi,
    impersonate: undefined,
    notify: (reason: string, message: string) => notes.push(`${reason}: ${message}`),
  };
  return { api, notes, s };
}

describe('immutableField', () => {
  it('names the field a refusal says cannot change', () => {
    expect(immutableField(immutable())).toBe('spec.template');
    const service = new KubeApiError(422, 'Invalid', 'Service "web" is invalid', {
      causes: [
        { message: 'Invalid value: "10.0.0.9": may not change once set', field: 'spec.clusterIPs[0]' },
      ],
    });
    expect(immutableField(service)).toBe('spec.clusterIPs[0]');
  });

  it('is undefined for any other error', () => {
    expect(immutableField(new KubeApiError(422, 'Invalid', 'spec.replicas: must be >= 0'))).toBeUndefined();
    expect(immutableField(new KubeApiError(409, 'Conflict', 'field is immutable'))).toBeUndefined();
    expect(immutableField(new Error('field is immutable'))).toBeUndefined();
  });

  it('says how to allow re-creating', () => {
    expect(immutableMessage('spec.template')).toBe(
      'immutable field spec.template changed; set kustomize.toolkit.fluxcd.io/force: Enabled or argocd.argoproj.io/sync-options: Replace=true,Force=true',
    );
  });
});

describe('send', () => {
  it('applies server-side, taking every field, by default', async () => {
    const { api, s } = sender();
    const o = desired();
    await send(s, rt, o, o.object);
    expect(api.calls).toEqual(['apply force=true Strict']);
  });

  it('never sends an Ignore or reconcile: disabled object', async () => {
    for (const annotations of [
      { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } as Record<string, string>,
      { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' },
    ]) {
      const { api, s } = sender();
      const o = desired(annotations);
      expect(await send(s, rt, o, o.object)).toBeUndefined();
      expect(api.calls).toEqual([]);
    }
  });

  it('creates an IfNotPresent object only when it is absent', async () => {
    const { api, s } = sender();
    const o = desired({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' });
    await send(s, rt, o, o.object);
    const live = api.live;
    expect(await send(s, rt, o, o.object)).toBe(live);
    expect(api.calls).toEqual(['get', 'apply force=true Strict', 'get']);
  });

  it('applies a Merge object without the fields another manager owns', async () => {
    const { api, s } = sender();
    api.fail = [
      new KubeApiError(409, 'Conflict', 'Apply failed with 1 conflict', {
        causes: [{ type: 'FieldManagerConflict', message: 'conflict with "team"', field: '.data.a' }],
      }),
    ];
    const o = desired({ 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' });
    await send(s, rt, o, o.object);
    expect(api.calls).toEqual(['apply force=false Strict', 'apply force=false Strict']);
    expect(api.bodies[1]?.data).toEqual({ c: 'git' });
  });

  it('sends Validate=false objects without strict field validation', async () => {
    const { api, s } = sender();
    const o = desired({ 'argocd.argoproj.io/sync-options': 'Validate=false' });
    await send(s, rt, o, o.object);
    expect(api.calls).toEqual(['apply force=true Ignore']);
  });

  it('creates or replaces a Replace=true object with the live resourceVersion', async () => {
    const { api, s } = sender();
    const o = desired({ 'argocd.argoproj.io/sync-options': 'Replace=true' });
    await send(s, rt, o, o.object);
    await send(s, rt, o, o.object);
    expect(api.calls).toEqual(['get', 'create', 'get', 'replace rv=2']);
  });

  it('passes an immutable-field refusal on when the object did not ask to be re-created', async () => {
    const { api, notes, s } = sender();
    api.fail = [immutable()];
    const o = desired();
    await expect(send(s, rt, o, o.object)).rejects.toThrow(/field is immutable/);
    expect(notes).toEqual([]);
  });

  it('deletes (foreground) and re-creates with force: Enabled or Force=true, and says so', async () => {
    for (const annotations of [
      { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' } as Record<string, string>,
      { 'argocd.argoproj.io/sync-options': 'Force=true' },
    ]) {
      const { api, notes, s } = sender();
      api.live = desired().object;
      api.fail = [immutable()];
      const o = desired(annotations);
      expect(await send(s, rt, o, o.object)).toBeDefined();
      expect(api.calls).toEqual(['apply force=true Strict', 'delete Foreground', 'apply force=true Strict']);
      expect(notes).toEqual(['Replaced: replaced Job/migrate: immutable field spec.template changed']);
    }
  });
});
