// The small in-memory stand-in for the API server that reconciler unit tests of every kind
// share: objects by resource, status patches with resourceVersion preconditions, server-side
// apply, Secrets by name, and informer caches over the same objects. It knows only what the
// reconcilers ask of it; the real thing, end to end, is test/e2e/.

import fastJsonPatch from 'fast-json-patch';
import { KubeApiError } from '../../controller/kube/api-errors.ts';
import type { Informer } from '../../controller/kube/informer.ts';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import { core, type KubeObject, objectKey, type ResourceType } from '../../controller/kube/resources.ts';
import { createLogger } from '../../controller/observability/logger.ts';
import type { ReconcileContext } from '../../controller/runtime/controller.ts';
import { isPlainObject } from '../../controller/runtime/merge-patch.ts';

type Operation = fastJsonPatch.Operation;

interface RecordedWrite {
  verb: 'create' | 'apply' | 'patch' | 'delete';
  resource: string;
  name: string;
  body?: unknown;
}

export class FakeCluster {
  /** Secret data by name, in plain text (the fake encodes it as the API server would). */
  readonly secrets = new Map<string, Record<string, string>>();
  /** Every write, in order. */
  readonly writes: RecordedWrite[] = [];
  private readonly objects = new Map<string, KubeObject>();
  /** The last object each apply sent, by key: fields it no longer sends are removed (one field manager). */
  private readonly applied = new Map<string, KubeObject>();
  /** Resources the API server does not serve, as when a CRD is not installed. */
  private readonly unserved = new Set<string>();
  private version = 1;

  /** From now on every request for `rt` is answered as for a kind whose CRD is missing. */
  unserve(rt: ResourceType): void {
    this.unserved.add(`${rt.group}/${rt.plural}`);
  }

  /** Stores an object as the API server would: with a uid, a generation and a resourceVersion. */
  put<T extends KubeObject>(rt: ResourceType, obj: T): T {
    const stored = {
      ...obj,
      metadata: {
        uid: `uid-${obj.metadata.name}`,
        generation: 1,
        ...obj.metadata,
        resourceVersion: String(this.version++),
      },
    };
    this.objects.set(this.key(rt, obj.metadata.namespace, obj.metadata.name), stored);
    return stored;
  }

  /** A copy of the stored object, as a GET returns it. */
  find<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const found = this.stored<T>(rt, namespace, name);
    return found === undefined ? undefined : structuredClone(found);
  }

  /** The stored object itself, for a test to change behind the controller's back. */
  stored<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(this.key(rt, namespace, name)) as T | undefined;
  }

  list<T extends KubeObject>(rt: ResourceType): T[] {
    const prefix = `${rt.group}/${rt.plural}/`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([, obj]) => structuredClone(obj) as T);
  }

  /** The verbs of `ObjectApi` the reconcilers use, against this store. */
  api(): ObjectApi {
    const get = async (rt: ResourceType, ns: string | undefined, name: string) => {
      this.served(rt);
      const found = rt.plural === core.secrets.plural ? this.secret(name) : this.find(rt, ns, name);
      if (found === undefined) throw notFound(rt, name);
      return found;
    };
    const api = {
      get,
      getOrUndefined: (rt: ResourceType, ns: string | undefined, name: string) =>
        get(rt, ns, name).catch((err: unknown) => {
          if (err instanceof KubeApiError && err.code === 404) return undefined;
          throw err;
        }),
      create: async (rt: ResourceType, obj: KubeObject) => {
        this.served(rt);
        this.writes.push({ verb: 'create', resource: rt.plural, name: obj.metadata.name, body: obj });
        return this.put(rt, obj);
      },
      apply: async (rt: ResourceType, obj: KubeObject, opts: { dryRun?: boolean } = {}) => {
        this.served(rt);
        if (opts.dryRun) return obj;
        this.writes.push({ verb: 'apply', resource: rt.plural, name: obj.metadata.name, body: obj });
        const key = this.key(rt, obj.metadata.namespace, obj.metadata.name);
        const live = this.find(rt, obj.metadata.namespace, obj.metadata.name);
        const dropped = droppedFields(this.applied.get(key), obj);
        this.applied.set(key, structuredClone(obj));
        return this.put(
          rt,
          live ? (applyMergePatch(applyMergePatch(live, dropped), obj) as KubeObject) : obj,
        );
      },
      mergePatch: async (
        rt: ResourceType,
        ns: string | undefined,
        name: string,
        patch: Record<string, unknown>,
      ) => this.mergePatch(rt, ns, name, patch),
      jsonPatch: async (rt: ResourceType, ns: string | undefined, name: string, ops: Operation[]) => {
        const live = await get(rt, ns, name);
        this.writes.push({ verb: 'patch', resource: rt.plural, name, body: ops });
        try {
          const { newDocument } = fastJsonPatch.applyPatch(live, ops, true, false);
          return this.put(rt, newDocument);
        } catch (err) {
          // A failed `test` is how a guarded patch finds the object changed under it.
          throw new KubeApiError(
            422,
            'Invalid',
            `the server rejected our request: ${(err as Error).message}`,
          );
        }
      },
      list: async (rt: ResourceType, ns: string | undefined, opts: { labelSelector?: string } = {}) => {
        this.served(rt);
        const wanted = (opts.labelSelector ?? '').split(',').filter(Boolean);
        const items = this.list(rt).filter(
          (o) =>
            (ns === undefined || o.metadata.namespace === ns) &&
            wanted.every((pair) => {
              const [key = '', value] = pair.split('=');
              return o.metadata.labels?.[key] === value;
            }),
        );
        return { items };
      },
      delete: async (rt: ResourceType, ns: string | undefined, name: string) => {
        this.served(rt);
        this.writes.push({ verb: 'delete', resource: rt.plural, name });
        const live = this.objects.get(this.key(rt, ns, name));
        // An object with finalizers is only marked, as the API server does.
        if (live?.metadata.finalizers?.length) {
          live.metadata.deletionTimestamp ??= '2025-01-01T00:00:00Z';
          return true;
        }
        return this.objects.delete(this.key(rt, ns, name));
      },
    };
    return api as unknown as ObjectApi;
  }

  /** An informer cache over the objects of one resource, always synced. */
  informer<T extends KubeObject>(rt: ResourceType): Informer<T> {
    const cache = {
      hasSynced: true,
      get: (key: string) => {
        const [ns, name] = key.includes('/') ? key.split('/') : [undefined, key];
        return this.find<T>(rt, ns, name ?? key);
      },
      list: () => this.list<T>(rt),
      ownedBy: (uid: string | undefined) =>
        this.list<T>(rt).filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === uid)),
      observe: () => undefined,
      on: () => undefined,
    };
    return cache as unknown as Informer<T>;
  }

  private served(rt: ResourceType): void {
    if (this.unserved.has(`${rt.group}/${rt.plural}`)) {
      throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
  }

  private mergePatch(rt: ResourceType, ns: string | undefined, name: string, patch: Record<string, unknown>) {
    this.served(rt);
    const key = this.key(rt, ns, name);
    const live = this.objects.get(key);
    if (live === undefined) throw notFound(rt, name);
    // metadata.resourceVersion is a precondition; other metadata (annotations, finalizers)
    // merges as the API server does.
    const { metadata: patchMeta, ...fields } = patch;
    const { resourceVersion, ...metaFields } = (patchMeta ?? {}) as Record<string, unknown>;
    if (resourceVersion !== undefined && resourceVersion !== live.metadata.resourceVersion) {
      throw new KubeApiError(409, 'Conflict', 'the object has been modified');
    }
    this.writes.push({ verb: 'patch', resource: rt.plural, name, body: patch });
    const next = applyMergePatch(live, fields) as KubeObject;
    next.metadata = {
      ...(applyMergePatch(live.metadata, metaFields) as KubeObject['metadata']),
      resourceVersion: String(this.version++),
    };
    // As the API server does: an object being deleted goes with its last finalizer.
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      this.objects.delete(key);
      return structuredClone(next);
    }
    this.objects.set(key, next);
    return structuredClone(next);
  }

  private secret(name: string): KubeObject | undefined {
    const data = this.secrets.get(name);
    if (data === undefined) return undefined;
    const encoded = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    return { metadata: { name }, data: encoded };
  }

  private key(rt: ResourceType, namespace: string | undefined, name: string): string {
    return `${rt.group}/${rt.plural}/${rt.namespaced ? objectKey({ metadata: { name, namespace } }) : name}`;
  }
}

/** The API server's 404 for a missing object: its Status details name it. */
function notFound(rt: ResourceType, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${rt.plural} "${name}" not found`, {
    name,
    group: rt.group,
    kind: rt.plural,
  });
}

/** A merge patch removing the map fields an earlier apply sent and this one does not. */
function droppedFields(before: unknown, after: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(before)) return out;
  const next = isPlainObject(after) ? after : {};
  for (const [key, value] of Object.entries(before)) {
    if (!(key in next)) out[key] = null;
    else if (isPlainObject(value)) {
      const inner = droppedFields(value, next[key]);
      if (Object.keys(inner).length > 0) out[key] = inner;
    }
  }
  return out;
}

/** RFC 7386: what `application/merge-patch+json` does to the stored object. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** What the controller loop hands a reconcile, quiet: tests look at status, events and results. */
export function quietContext(): ReconcileContext {
  return { log: createLogger('silent'), observe: () => undefined };
}

/** Events a reconciler recorded, in order. */
export class RecordedEvents {
  readonly list: { type: string; reason: string; note: string }[] = [];

  readonly record = (_regarding: KubeObject, type: string, reason: string, note: string): void => {
    this.list.push({ type, reason, note });
  };

  get reasons(): string[] {
    return this.list.map((e) => e.reason);
  }
}
