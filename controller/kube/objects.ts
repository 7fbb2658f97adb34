import { isNotFound } from './api-errors.ts';
import type { Impersonation, KubeClient } from './client.ts';
import { type KubeObject, type ObjectList, type ResourceType, resourcePath } from './resources.ts';

/** Who Sluice's server-side applies are recorded as in managedFields. */
export const FIELD_MANAGER = 'sluice';

interface ApplyOptions {
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
  /** Strict unless told: `Ignore` for an object that asked not to be validated. */
  fieldValidation?: 'Strict' | 'Ignore';
  impersonate?: Impersonation | undefined;
  signal?: AbortSignal | undefined;
}

/** Typed helpers over the raw client for the verbs controllers use. */
export class ObjectApi {
  readonly client: KubeClient;

  constructor(client: KubeClient) {
    this.client = client;
  }

  get<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.client.request<T>({ path: resourcePath(rt, namespace, name) });
  }

  async getOrUndefined<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(rt, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Lists every page; resourceVersion "0" is served from the API server's watch cache. */
  async list<T extends KubeObject>(
    rt: ResourceType,
    namespace?: string,
    query: { labelSelector?: string; fieldSelector?: string; resourceVersion?: '0' } = {},
    accept?: string,
  ): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.client.request<ObjectList<T>>({
        path: resourcePath(rt, namespace),
        // A continue token carries its own snapshot; the API server refuses a version beside it.
        query: { ...query, limit: 500, ...(cont ? { continue: cont, resourceVersion: undefined } : {}) },
        accept,
      });
      // An empty metadata-only list comes back with `items: null`.
      items.push(...(page.items ?? []));
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (cont);
    return { metadata: { resourceVersion }, items };
  }

  /** POST: the one way to send an object named by `metadata.generateName`. */
  create<T extends KubeObject>(
    rt: ResourceType,
    obj: KubeObject,
    opts: { impersonate?: Impersonation | undefined; fieldValidation?: 'Strict' | 'Ignore' } = {},
  ): Promise<T> {
    return this.client.request<T>({
      method: 'POST',
      path: resourcePath(rt, obj.metadata.namespace),
      ...(opts.fieldValidation ? { query: { fieldValidation: opts.fieldValidation } } : {}),
      body: obj,
      impersonate: opts.impersonate,
    });
  }

  /**
   * Server-side apply of the raw object. Fields the typed client does not know are kept,
   * because the object is sent as-is. Field validation is strict, as with `kubectl apply`: a
   * field the schema does not declare is refused with its path rather than silently dropped
   * (a Rollout field Sluice does not support must fail, not run without it).
   */
  apply<T extends KubeObject>(rt: ResourceType, obj: KubeObject, opts: ApplyOptions = {}): Promise<T> {
    return this.client.request<T>({
      method: 'PATCH',
      path: resourcePath(rt, obj.metadata.namespace, obj.metadata.name),
      query: {
        fieldManager: opts.fieldManager ?? FIELD_MANAGER,
        force: opts.force ?? true,
        fieldValidation: opts.fieldValidation ?? 'Strict',
        dryRun: opts.dryRun ? 'All' : undefined,
      },
      body: obj,
      contentType: 'application/apply-patch+yaml',
      impersonate: opts.impersonate,
      signal: opts.signal,
    });
  }

  /** PUT: the object replaces the live one whole (it must carry the live resourceVersion). */
  replace<T extends KubeObject>(
    rt: ResourceType,
    obj: KubeObject,
    opts: { impersonate?: Impersonation | undefined; fieldValidation?: 'Strict' | 'Ignore' } = {},
  ): Promise<T> {
    return this.client.request<T>({
      method: 'PUT',
      path: resourcePath(rt, obj.metadata.namespace, obj.metadata.name),
      query: { fieldManager: FIELD_MANAGER, fieldValidation: opts.fieldValidation ?? 'Strict' },
      body: obj,
      impersonate: opts.impersonate,
    });
  }

  mergePatch<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.client.request<T>({
      method: 'PATCH',
      path: resourcePath(rt, namespace, name, subresource),
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  jsonPatch<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    ops: unknown[],
    subresource?: string,
  ): Promise<T> {
    return this.client.request<T>({
      method: 'PATCH',
      path: resourcePath(rt, namespace, name, subresource),
      body: ops,
      contentType: 'application/json-patch+json',
    });
  }

  /**
   * The Eviction subresource of a pod: a delete that honours PodDisruptionBudgets (429 when
   * one forbids it). False when the pod is already gone.
   */
  async evict(pod: ResourceType, namespace: string, name: string): Promise<boolean> {
    try {
      await this.client.request({
        method: 'POST',
        path: resourcePath(pod, namespace, name, 'eviction'),
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: {
      propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
      impersonate?: Impersonation | undefined;
      /** Deletes only this incarnation of the object: one re-created since is left alone (409). */
      uid?: string | undefined;
    } = {},
  ): Promise<boolean> {
    try {
      await this.client.request({
        method: 'DELETE',
        path: resourcePath(rt, namespace, name),
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: opts.propagationPolicy ?? 'Background',
          ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
        },
        impersonate: opts.impersonate,
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
