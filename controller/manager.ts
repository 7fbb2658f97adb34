import type { ControllerConfig } from './config.ts';
import { registerControllers } from './controllers.ts';
import { KubeClient } from './kube/client.ts';
import { loadKubeConfig } from './kube/config.ts';
import { startProbeServer } from './observability/http-server.ts';
import type { Logger } from './observability/logger.ts';
import { ControllerMetrics } from './observability/metrics.ts';
import { EventRecorder } from './runtime/events.ts';
import { InformerFactory } from './runtime/informers.ts';

export interface Manager {
  probeUrl: string;
  stop(): Promise<void>;
}

/** Wires the client, caches, controllers and HTTP endpoints, and starts them. */
export async function startManager(config: ControllerConfig, log: Logger): Promise<Manager> {
  const kc = loadKubeConfig({ kubeconfig: config.kubeconfig, context: config.context });
  const client = new KubeClient(kc);
  const metrics = new ControllerMetrics();
  const informers = new InformerFactory(client, log, metrics);
  const events = new EventRecorder(client, log, config.identity);
  const controllers = registerControllers({ client, informers, events, log, metrics, config });

  const probe = await startProbeServer({
    ...config.httpAddress,
    registry: metrics.registry,
    ready: () => informers.synced,
    log,
  });
  log.info({ url: probe.url, server: client.server.origin }, 'probe server listening');

  informers.start();
  const synced = informers.waitForSync().then(() => log.info('caches synced'));

  return {
    probeUrl: probe.url,
    async stop() {
      informers.stop();
      await Promise.all(controllers.map((c) => c.shutdown()));
      await probe.close();
      void synced;
    },
  };
}
