import { AsyncLocalStorage } from 'node:async_hooks';
import { experimentResource } from '../../api/experiment.ts';
import { rolloutResource } from '../../api/rollout.ts';
import type { ControllerConfig } from '../../config.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/resources.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ControllerMetrics } from '../../observability/metrics.ts';
import type { Controller, ShardGate } from '../controller.ts';
import type { InformerFactory } from '../informers.ts';
import { ReconcileError } from '../reconcile-errors.ts';
import { shardOf } from './assignment.ts';
import { shardKey } from './shard-key.ts';
import { ShardLeases } from './shard-leases.ts';
import type { ShardClaim } from './shard-term.ts';

/** A write refused because the reconcile's shard is no longer held in the term it started in. */
export class ShardFencedError extends ReconcileError {
  override readonly name = 'ShardFencedError';
  readonly errorClass = 'transient';
}

interface AutoShardingOptions {
  config: Pick<ControllerConfig, 'leaseNamespace' | 'identity' | 'shards' | 'shardLeasePrefix'>;
  client: KubeClient;
  controllers: Controller<KubeObject>[];
  informers: InformerFactory;
  metrics: ControllerMetrics;
  log: Logger;
}

/**
 * Automatic sharding (--sharding=auto): every replica reconciles the objects of the shards it
 * holds. Each reconcile runs under the claim (shard, term) it started with, and every write
 * this process sends while it runs is checked against that claim first (KubeClient's
 * writeGuard), so a replica that lost or handed over a shard stops writing to its objects at
 * once, and a reconcile never overlaps one by the replica that took the shard over.
 */
export class AutoSharding implements ShardGate {
  private readonly opts: AutoShardingOptions;
  private readonly leases: ShardLeases;
  private readonly current = new AsyncLocalStorage<ShardClaim>();
  private readonly rollouts;
  private readonly experiments;

  constructor(opts: AutoShardingOptions) {
    this.opts = opts;
    const { config, metrics, log } = opts;
    this.rollouts = opts.informers.for<KubeObject>(rolloutResource);
    this.experiments = opts.informers.for<KubeObject>(experimentResource);
    this.leases = new ShardLeases({
      client: opts.client,
      namespace: config.leaseNamespace,
      identity: config.identity,
      shards: config.shards,
      prefix: config.shardLeasePrefix,
      log,
      onAcquired: (shard) => this.enqueueShard(shard),
      // Queued, each key finds its shard gone and makes its reconciler forget it (an Alert's
      // delivery lane closes, an Application's applied state is dropped).
      onReleased: (shard) => this.enqueueShard(shard),
      onChange: (held, members) => {
        metrics.shardsHeld.set(held);
        metrics.shardMembers.set(members);
        metrics.leader.set(held > 0 ? 1 : 0);
      },
    });
    opts.client.writeGuard = (what) => this.checkWrite(what);
    for (const c of opts.controllers) c.useShards(this);
  }

  /** Starts taking shards once the caches are full, so no shard is reconciled from a partial view. */
  start(): void {
    this.opts.metrics.shardsHeld.set(0);
    void this.opts.informers.waitForSync().then(() => {
      this.opts.log.info(
        { shards: this.opts.config.shards, identity: this.opts.config.identity },
        'taking shards',
      );
      for (const c of this.opts.controllers) c.start();
      this.leases.run();
    });
  }

  /** After the controllers have drained: hands every shard to the other replicas. */
  release(): Promise<void> {
    return this.leases.release();
  }

  shardOf(obj: KubeObject): number {
    const key = shardKey(obj, (kind, namespace, name) =>
      (kind === 'Rollout' ? this.rollouts : this.experiments).get(`${namespace}/${name}`),
    );
    return shardOf(key, this.opts.config.shards);
  }

  claim(obj: KubeObject): ShardClaim | undefined {
    return this.leases.claim(this.shardOf(obj));
  }

  run<T>(claim: ShardClaim, fn: () => Promise<T>): Promise<T> {
    return this.leases.track(claim, () => this.current.run(claim, fn));
  }

  holds(claim: ShardClaim): boolean {
    return this.leases.refusal(claim) === undefined;
  }

  /** Whether this replica reconciles `obj` now (a push for a GitRepository it does not hold is passed on). */
  accepts(obj: KubeObject | undefined): boolean {
    return obj !== undefined && this.claim(obj) !== undefined;
  }

  private enqueueShard(shard: number): void {
    for (const c of this.opts.controllers) c.enqueueWhere((obj) => this.shardOf(obj) === shard);
  }

  private checkWrite(what: string): void {
    const claim = this.current.getStore();
    if (!claim) return;
    const refusal = this.leases.refusal(claim);
    if (refusal) throw new ShardFencedError('ShardLost', `${what} not sent: ${refusal}`);
  }
}
