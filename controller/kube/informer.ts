import { EventEmitter } from 'node:events';
import { isGone, KubeApiError } from './api-errors.ts';
import type { KubeClient } from './client.ts';
import { ObjectApi } from './objects.ts';
import { type KubeObject, objectKey, type ResourceType, resourcePath } from './resources.ts';
import { type WatchEvent, watchStream } from './watch.ts';

export interface InformerOptions {
  resource: ResourceType;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  /** Called when the list/watch loop fails and is about to retry (for logs and metrics). */
  onError?: (err: unknown, retryInMs: number) => void;
  /**
   * Applied to every object before it is cached (listed, watched or observed), like
   * client-go's SetTransform: drops what no reader of this cache needs.
   */
  transform?: (obj: KubeObject) => KubeObject;
  /**
   * Lists and watches metadata only (PartialObjectMetadata, as client-go's metadata
   * informers do): the API server sends no spec, status or data.
   */
  metadataOnly?: boolean;
}

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

type InformerHandler<T> = (obj: T, old?: T) => void;

/**
 * Resolves once a cache has listed, or after `waitMs` when the list is slow; says whether it
 * has. For a first look, where absence from an unlisted cache says nothing.
 */
export async function listedWithin(
  inf: { readonly synced: Promise<void>; readonly hasSynced: boolean },
  waitMs: number,
): Promise<boolean> {
  if (inf.hasSynced) return true;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([inf.synced, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
  clearTimeout(timer);
  return inf.hasSynced;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * List-then-watch cache of one resource type. Unlike client-node's informer it never
 * stops on its own: any failure is retried with jittered backoff, a 410 Gone relists,
 * and a closed watch resumes from the last seen resourceVersion (bookmarks keep that
 * fresh). `synced` resolves when the first list has landed in the cache.
 */
export class Informer<T extends KubeObject> {
  readonly resource: ResourceType;
  private readonly client: KubeClient;
  private readonly opts: InformerOptions;
  private readonly store = new Map<string, T>();
  /** Keys by the uid of their controlling owner, so a controller finds what it owns without a scan. */
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly events = new EventEmitter();
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private failures = 0;
  private running = false;
  private markSynced!: () => void;
  readonly synced: Promise<void>;
  hasSynced = false;

  constructor(client: KubeClient, opts: InformerOptions) {
    this.client = client;
    this.opts = opts;
    this.resource = opts.resource;
    this.synced = new Promise((resolve) => {
      this.markSynced = resolve;
    });
  }

  on(event: 'add' | 'update' | 'delete', handler: InformerHandler<T>): void {
    this.events.on(event, handler);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  /** The cached objects whose controlling ownerReference has this uid. */
  ownedBy(uid: string | undefined): T[] {
    const keys = uid ? this.byOwner.get(uid) : undefined;
    if (!keys) return [];
    return [...keys].map((k) => this.store.get(k)).filter((o): o is T => o !== undefined);
  }

  /**
   * Puts an object we just wrote into the cache unless the cache already has something
   * newer. resourceVersions are opaque in general, but etcd's are increasing integers;
   * when either is not one, the written object is only taken for an unknown key.
   */
  observe(obj: T): void {
    const key = objectKey(obj);
    const cached = this.store.get(key);
    if (cached && !isNewer(obj.metadata.resourceVersion, cached.metadata.resourceVersion)) return;
    this.upsert(key, this.prepare(obj));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
  }

  private async run(): Promise<void> {
    let needList = true;
    while (this.running) {
      try {
        if (needList) await this.relist();
        needList = false;
        await this.watch();
        this.failures = 0;
      } catch (err) {
        if (!this.running) return;
        if (isGone(err)) {
          needList = true;
          continue;
        }
        // Anything else (connection refused while the API server restarts, 5xx, 403
        // until RBAC lands): retry the watch from where we were, relisting after a few
        // failures in a row in case the resourceVersion went stale meanwhile.
        this.failures++;
        if (this.failures >= 3) needList = true;
        const delay = backoff(this.failures);
        this.opts.onError?.(err, delay);
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const api = new ObjectApi(this.client);
    const list = await api.list<T>(
      this.resource,
      this.opts.namespace,
      this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {},
      this.opts.metadataOnly ? METADATA_LIST : undefined,
    );
    const seen = new Set<string>();
    for (const item of list.items) {
      const obj = this.prepare(item);
      const key = objectKey(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, old] of this.store) {
      if (!seen.has(key)) this.remove(key, old);
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.markSynced();
    }
  }

  private async watch(): Promise<void> {
    // A random server-side timeout spreads reconnects of many informers over time.
    const timeoutSeconds = 240 + Math.floor(Math.random() * 120);
    const res = await this.client.stream({
      path: resourcePath(this.resource, this.opts.namespace),
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
        labelSelector: this.opts.labelSelector,
      },
      accept: this.opts.metadataOnly ? METADATA : undefined,
      signal: this.abort.signal,
    });
    for await (const ev of watchStream<T>(res)) {
      this.handle(ev);
      this.failures = 0;
    }
  }

  private handle(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      const status = ev.object as unknown as { code?: number; reason?: string; message?: string };
      throw new KubeApiError(status.code ?? 500, status.reason ?? 'Unknown', status.message ?? 'watch error');
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === 'BOOKMARK') return;
    const key = objectKey(ev.object);
    // Our own writes are in the cache already (observe): their event changes nothing.
    if (ev.type !== 'DELETED' && rv && this.store.get(key)?.metadata.resourceVersion === rv) return;
    const obj = this.prepare(ev.object);
    if (ev.type === 'DELETED') {
      this.remove(key, obj);
    } else {
      this.upsert(key, obj);
    }
  }

  private prepare(obj: T): T {
    // Metadata-only objects say PartialObjectMetadata; the cache holds them as their kind.
    const typed = withTypeMeta(obj, this.resource, this.opts.metadataOnly);
    return this.opts.transform ? (this.opts.transform(typed) as T) : typed;
  }

  private remove(key: string, obj: T): void {
    this.unindex(key, controllerUid(this.store.get(key) ?? obj));
    this.store.delete(key);
    this.events.emit('delete', obj);
  }

  private unindex(key: string, uid: string | undefined): void {
    const keys = uid ? this.byOwner.get(uid) : undefined;
    if (!keys || !uid) return;
    keys.delete(key);
    if (keys.size === 0) this.byOwner.delete(uid);
  }

  private upsert(key: string, obj: T): void {
    const old = this.store.get(key);
    if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.store.set(key, obj);
    const [was, is] = [controllerUid(old), controllerUid(obj)];
    if (was !== is) {
      this.unindex(key, was);
      if (is) {
        const keys = this.byOwner.get(is) ?? new Set<string>();
        keys.add(key);
        this.byOwner.set(is, keys);
      }
    }
    if (old) this.events.emit('update', obj, old);
    else this.events.emit('add', obj);
  }
}

function controllerUid(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}

/** Items of a list carry no kind/apiVersion; set them so handlers see whole objects. */
function withTypeMeta<T extends KubeObject>(obj: T, rt: ResourceType, always = false): T {
  if (!always && obj.kind && obj.apiVersion) return obj;
  obj.kind = rt.kind;
  obj.apiVersion = rt.group ? `${rt.group}/${rt.version}` : rt.version;
  return obj;
}

function backoff(failures: number, min = MIN_BACKOFF_MS, max = MAX_BACKOFF_MS): number {
  const base = Math.min(max, min * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
