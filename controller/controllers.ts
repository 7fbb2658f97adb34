import type { ControllerConfig } from './config.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeObject } from './kube/resources.ts';
import type { Logger } from './observability/logger.ts';
import type { ControllerMetrics } from './observability/metrics.ts';
import type { Controller } from './runtime/controller.ts';
import type { EventRecorder } from './runtime/events.ts';
import type { InformerFactory } from './runtime/informers.ts';

export interface ControllerDeps {
  client: KubeClient;
  informers: InformerFactory;
  events: EventRecorder;
  log: Logger;
  metrics: ControllerMetrics;
  config: ControllerConfig;
}

/** Every controller the manager runs. Each one registers the informers it needs. */
export function registerControllers(_deps: ControllerDeps): Controller<KubeObject>[] {
  return [];
}
