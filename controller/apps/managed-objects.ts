import { type Informer, listedWithin } from '../kube/informer.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { InformerFactory } from '../runtime/informers.ts';
import { APP_NAME_LABEL, APP_NAMESPACE_LABEL } from './manifest.ts';

/**
 * Caches of every kind Applications have applied, limited by our tracking label to the
 * objects we manage (or the whole kind's cache, when another controller holds one anyway:
 * lookups are by name and wake-ups by label, so the other objects in it are never read).
 * A change to one (a hand edit, a Deployment becoming available) wakes its Application at
 * once: that is how drift is corrected within seconds and health is current without polling.
 */
export class ManagedObjects {
  private readonly factory: InformerFactory;
  private readonly onChange: (appKey: string) => void;
  private readonly informers = new Map<string, Informer<KubeObject>>();

  constructor(factory: InformerFactory, onChange: (appKey: string) => void) {
    this.factory = factory;
    this.onChange = onChange;
  }

  watch(rt: ResourceType): Informer<KubeObject> {
    const id = `${rt.group}/${rt.kind}`;
    let inf = this.informers.get(id);
    if (inf) return inf;
    // Applications may write to any namespace; with --watch-namespace only the objects of
    // Applications in that namespace are ours.
    const ns = this.factory.namespace;
    const labelSelector = ns ? `${APP_NAME_LABEL},${APP_NAMESPACE_LABEL}=${ns}` : APP_NAME_LABEL;
    inf = this.factory.for<KubeObject>(rt, { labelSelector, clusterWide: true, wholeKindServes: true });
    const notify = (obj: KubeObject) => {
      const name = obj.metadata.labels?.[APP_NAME_LABEL];
      const ns = obj.metadata.labels?.[APP_NAMESPACE_LABEL];
      if (name && ns) this.onChange(`${ns}/${name}`);
    };
    inf.on('add', notify);
    inf.on('update', notify);
    inf.on('delete', notify);
    // Health judged before the first list lands is Unknown. Objects already put in the cache
    // by observe() raise no event when the list brings the same version, so wake their
    // Applications once the cache is synced; otherwise they would wait for their interval.
    void inf.synced.then(() => {
      for (const obj of inf.list()) notify(obj);
    });
    this.informers.set(id, inf);
    return inf;
  }

  /**
   * Puts what an apply returned into the cache at once, so health judged right after a
   * sync sees the objects instead of "not found" until their watch events arrive.
   */
  observe(rt: ResourceType, obj: KubeObject): void {
    this.watch(rt).observe(obj);
  }

  /** The cached live object, or undefined; `synced` says whether absence means anything. */
  get(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
  ): { synced: boolean; object: KubeObject | undefined } {
    const inf = this.watch(rt);
    return { synced: inf.hasSynced, object: inf.get(namespace ? `${namespace}/${name}` : name) };
  }

  /**
   * Resolves once the cache has listed the kind, or after `waitMs` when the list is slow: for a
   * first look after a restart, where absence from an unsynced cache says nothing.
   */
  async waitSynced(rt: ResourceType, waitMs: number): Promise<void> {
    await listedWithin(this.watch(rt), waitMs);
  }
}
