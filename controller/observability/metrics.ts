import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The controller's metric families. Labels are bounded: kinds, results, error classes —
 * never a commit SHA, pod name or measured value.
 */
export class ControllerMetrics {
  readonly registry = new Registry();

  readonly reconcileDuration = new Histogram({
    name: 'sluice_reconcile_duration_seconds',
    help: 'Time spent in one reconcile, by kind and result.',
    labelNames: ['kind', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly reconcileErrors = new Counter({
    name: 'sluice_reconcile_errors_total',
    help: 'Failed reconciles, by kind and error class (stalling, waiting, transient).',
    labelNames: ['kind', 'class'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'sluice_workqueue_depth',
    help: 'Keys waiting in a controller work queue.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly queueWait = new Histogram({
    name: 'sluice_workqueue_wait_seconds',
    help: 'Time a key waited in a work queue before a worker took it, by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly kubeRequests = new Histogram({
    name: 'sluice_kube_request_duration_seconds',
    help: 'Kubernetes API requests (not watches) by method and status code (0: no response).',
    labelNames: ['method', 'code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly informerRestarts = new Counter({
    name: 'sluice_informer_restarts_total',
    help: 'List/watch failures that made an informer retry, by resource.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'sluice_leader',
    help: '1 while this replica reconciles: it holds the leader lease, or with --sharding=auto at least one shard (always 1 with neither).',
    registers: [this.registry],
  });

  readonly shardsHeld = new Gauge({
    name: 'sluice_shards_held',
    help: 'Shards whose Lease this replica holds and whose objects it reconciles (--sharding=auto).',
    registers: [this.registry],
  });

  readonly shardMembers = new Gauge({
    name: 'sluice_shard_members',
    help: 'Live replicas sharing the shards, as this replica sees their membership Leases (--sharding=auto).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_' });
  }
}
