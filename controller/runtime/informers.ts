import { nameOnly, withoutBookkeeping } from '../kube/cache-transform.ts';
import type { KubeClient } from '../kube/client.ts';
import { Informer, type InformerOptions } from '../kube/informer.ts';
import { type LabelSelector, parseLabelSelector } from '../kube/label-selector.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';

/**
 * One informer per resource type, shared by every controller that watches it. Every cache
 * drops managedFields and kubectl's last-applied annotation (see withoutBookkeeping).
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics;
  private started = false;
  private readonly gating = new Set<Informer<KubeObject>>();

  /** When set, namespaced resources are watched in this namespace only. */
  readonly namespace: string | undefined;
  /**
   * --watch-label-selector: the kinds listed are watched with it, so this replica only sees
   * its shard of them; the rest are cached whole and sorted by their owner (runtime/shard.ts).
   */
  private readonly shard: ShardScope | undefined;
  readonly shardSelector: LabelSelector | undefined;

  constructor(
    client: KubeClient,
    log: Logger,
    metrics: ControllerMetrics,
    namespace?: string,
    shard?: ShardScope,
  ) {
    this.client = client;
    this.log = log;
    this.metrics = metrics;
    this.namespace = namespace || undefined;
    this.shard = shard;
    this.shardSelector = shard ? parseLabelSelector(shard.selector) : undefined;
  }

  /**
   * The shared informer of a resource (and label selector). Informers asked for before
   * start() gate readiness; ones added later (watches of applied kinds) do not.
   */
  for<T extends KubeObject>(
    resource: ResourceType,
    opts: {
      labelSelector?: string;
      clusterWide?: boolean;
      /** The caller takes objects outside its selector too: an existing unselected cache serves it. */
      wholeKindServes?: boolean;
    } = {},
  ): Informer<T> {
    const namespace = resource.namespaced && !opts.clusterWide ? this.namespace : undefined;
    const sharded = this.shard?.resources.some(
      (r) => r.group === resource.group && r.plural === resource.plural,
    );
    const labelSelector =
      [opts.labelSelector, sharded ? this.shard?.selector : undefined].filter(Boolean).join(',') || undefined;
    const scope = scopeOf(resource, namespace);
    const id = `${scope}${labelSelector ?? ''}`;
    // A kind already cached whole over the same scope (Services and Deployments, which the
    // Rollout controller reads by name) serves a selector too, so an applied object is held
    // once, not once per cache: readers of a selected cache look objects up by the names they
    // applied and by labels, so the others it holds change nothing for them.
    const inf =
      this.informers.get(id) ??
      (opts.wholeKindServes ? this.informers.get(scope) : undefined) ??
      this.add(id, { resource, namespace, labelSelector, transform: withoutBookkeeping });
    return inf as unknown as Informer<T>;
  }

  /**
   * Which objects of a kind exist, cluster-wide and whatever their labels or shard: a cache
   * of their names only, or the kind's whole cache when one is held anyway. Never gates
   * readiness.
   */
  names(resource: ResourceType): Informer<KubeObject> {
    const scope = scopeOf(resource, undefined);
    const id = `${scope}#names`;
    return (
      this.informers.get(scope) ??
      this.informers.get(id) ??
      this.add(id, { resource, transform: nameOnly, metadataOnly: true }, false)
    );
  }

  private add(id: string, opts: Omit<InformerOptions, 'onError'>, gates = true): Informer<KubeObject> {
    const inf = new Informer<KubeObject>(this.client, {
      ...opts,
      onError: (err, retryInMs) => {
        this.metrics.informerRestarts.inc({ resource: opts.resource.plural });
        this.log.warn({ err: errorText(err), resource: id, retryInMs }, 'list/watch failed, retrying');
      },
    });
    this.informers.set(id, inf);
    if (this.started) inf.start();
    else if (gates) this.gating.add(inf);
    return inf;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }

  get synced(): boolean {
    return [...this.gating].every((i) => i.hasSynced);
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.gating].map((i) => i.synced));
  }
}

interface ShardScope {
  selector: string;
  /** The kinds a shard is made of, watched with the selector. */
  resources: ResourceType[];
}

/** An informer's id before its label selector: resource and namespace ('' for cluster-wide). */
function scopeOf(resource: ResourceType, namespace: string | undefined): string {
  return `${resource.group}/${resource.version}/${resource.plural}/${namespace ?? ''}?`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
