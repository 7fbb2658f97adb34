import { applicationResource } from './api/application.ts';
import { gitRepositoryResource } from './api/git-repository.ts';
import { helmRepositoryResource } from './api/helm-repository.ts';
import { rolloutResource } from './api/rollout.ts';
import type { ControllerConfig } from './config.ts';
import { registerControllers } from './controllers.ts';
import { KubeClient } from './kube/client.ts';
import { loadKubeConfig } from './kube/config.ts';
import { ObjectApi } from './kube/objects.ts';
import { startDashboard } from './observability/dashboard.ts';
import { startProbeServer } from './observability/http-server.ts';
import type { Logger } from './observability/logger.ts';
import { ControllerMetrics } from './observability/metrics.ts';
import { type CommitTracer, NO_TRACER } from './observability/tracing/commit-tracer.ts';
import { EventRecorder } from './runtime/events.ts';
import { InformerFactory } from './runtime/informers.ts';
import { type Leadership, requestReconcile, startLeadership } from './runtime/leadership.ts';
import { AutoSharding } from './runtime/sharding/auto-sharding.ts';
import { PushTracker } from './webhooks/push-tracker.ts';
import { startWebhookReceiver } from './webhooks/receiver.ts';

export interface Manager {
  probeUrl: string;
  webhookUrl: string | undefined;
  dashboardUrl: string | undefined;
  /** Settles when this replica lost the leader lease; the process must exit non-zero. */
  lost: Promise<Error>;
  stop(): Promise<void>;
}

/** Wires the client, caches, controllers and HTTP endpoints, and starts them. */
export async function startManager(config: ControllerConfig, log: Logger): Promise<Manager> {
  const kc = loadKubeConfig({ kubeconfig: config.kubeconfig, context: config.context });
  const client = new KubeClient(kc);
  const metrics = new ControllerMetrics();
  client.observer = (method, code, seconds) =>
    metrics.kubeRequests.observe({ method, code: String(code) }, seconds);
  const shard = config.watchLabelSelector
    ? {
        selector: config.watchLabelSelector,
        resources: [applicationResource, gitRepositoryResource, helmRepositoryResource, rolloutResource],
      }
    : undefined;
  if (shard) log.info({ selector: shard.selector, lease: config.leaseName }, 'reconciling one shard');
  const informers = new InformerFactory(client, log, metrics, config.watchNamespace, shard);
  const events = new EventRecorder(client, log, config.identity);
  const pushes = new PushTracker();
  // The SDK is loaded only when traces have somewhere to go.
  const tracer: CommitTracer = config.tracing
    ? (await import('./observability/tracing/otlp-tracer.ts')).startTracer(config.tracing, log)
    : NO_TRACER;
  const {
    all: controllers,
    gitRepositories,
    stopNotifications,
  } = registerControllers({
    client,
    informers,
    events,
    log,
    metrics,
    config,
    pushes,
    tracer,
  });
  const leadership =
    config.sharding === 'auto'
      ? startSharding({ config, client, controllers, informers, metrics, log })
      : startLeadership({ config, client, controllers, informers, metrics, log });

  // Ready once the caches the controllers start with have synced. Not the ones opened later
  // for the kinds Applications apply: one the RBAC does not let us list would otherwise make
  // the whole controller unready (and drop it from the webhook Service) for one tenant's kind.
  let cachesSynced = false;
  const probe = await startProbeServer({
    ...config.httpAddress,
    registry: metrics.registry,
    ready: () => cachesSynced,
    log,
  });
  log.info({ url: probe.url, server: client.server.origin }, 'probe server listening');

  const webhook = config.webhookAddress
    ? await startWebhookReceiver({
        ...config.webhookAddress,
        api: new ObjectApi(client),
        secret: config.webhookSecret,
        repositories: gitRepositories.informer,
        trigger: (key) => {
          pushes.pushed(key);
          if (leadership.accepts(gitRepositories.informer.get(key))) return gitRepositories.enqueue(key);
          requestReconcile(new ObjectApi(client), gitRepositoryResource, key).catch((err: unknown) =>
            log.warn({ err: (err as Error).message, key }, 'handing the push to its reconciler failed'),
          );
        },
        log,
        registry: metrics.registry,
      })
    : undefined;
  if (webhook) log.info({ url: webhook.url }, 'webhook receiver listening');
  const dashboard = config.dashboardAddress
    ? await startDashboard({ ...config.dashboardAddress, client, namespace: config.watchNamespace, log })
    : undefined;

  informers.start();
  const synced = informers.waitForSync().then(() => {
    cachesSynced = true;
    log.info('caches synced');
  });

  return {
    probeUrl: probe.url,
    webhookUrl: webhook?.url,
    dashboardUrl: dashboard?.url,
    lost: leadership.lost,
    async stop() {
      informers.stop();
      await Promise.all(controllers.map((c) => c.shutdown()));
      stopNotifications();
      // Events of the last reconciles, written in the background; bounded by the request timeout.
      await events.flush();
      await tracer.shutdown();
      // Only after in-flight reconciles finished, so the next leader never overlaps them.
      await leadership.release();
      await probe.close();
      await webhook?.close();
      await dashboard?.close();
      void synced;
    },
  };
}

/** Every replica reconciles the shards it holds; none is lost for good, so `lost` never settles. */
function startSharding(opts: ConstructorParameters<typeof AutoSharding>[0]): Leadership {
  const sharding = new AutoSharding(opts);
  opts.log.info(
    { shards: opts.config.shards, prefix: opts.config.shardLeasePrefix },
    'sharding automatically',
  );
  sharding.start();
  return {
    accepts: (obj) => sharding.accepts(obj),
    lost: new Promise(() => {}),
    release: () => sharding.release(),
  };
}
