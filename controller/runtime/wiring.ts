import type { KubeClient } from '../kube/client.ts';
import type { Informer } from '../kube/informer.ts';
import type { KubeObject } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import type { CommitTracer } from '../observability/tracing/commit-tracer.ts';
import { Controller, type ControllerOptions, type Reconciler } from './controller.ts';
import type { EventRecorder } from './events.ts';
import type { InformerFactory } from './informers.ts';

/** What every kind's `register.ts` is given; kinds add what only they need. */
export interface ControllerWiring {
  client: KubeClient;
  informers: InformerFactory;
  events: EventRecorder;
  log: Logger;
  metrics: ControllerMetrics;
  concurrency?: number | undefined;
  /** The traces of commits; absent: tracing is off. */
  tracer?: CommitTracer | undefined;
}

/** A controller driving `reconciler` from `informer`, with the shared log, metrics and concurrency. */
export function wireController<T extends KubeObject>(
  wiring: ControllerWiring,
  informer: Informer<T>,
  reconciler: Reconciler<T>,
  options: Pick<ControllerOptions<T>, 'reconcileOnStatusChange' | 'inShard'> = {},
): Controller<T> {
  return new Controller<T>({
    informer,
    reconciler,
    log: wiring.log,
    metrics: wiring.metrics,
    ...(wiring.concurrency ? { concurrency: wiring.concurrency } : {}),
    ...options,
  });
}
