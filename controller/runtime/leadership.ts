import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../api/meta.ts';
import type { ControllerConfig } from '../config.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { type KubeObject, parseKey, type ResourceType } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import type { Controller } from './controller.ts';
import type { InformerFactory } from './informers.ts';
import { LeaderElector, type LeadershipLostError } from './leader-election.ts';

export interface Leadership {
  /** Whether this replica reconciles `obj` itself now (the leader, or the holder of its shard). */
  accepts(obj: KubeObject | undefined): boolean;
  /** Settles when leadership is lost; the process must then exit non-zero. */
  readonly lost: Promise<LeadershipLostError>;
  /** After the controllers have drained: hands the lease to a standby. */
  release(): Promise<void>;
}

interface LeadershipOptions {
  config: Pick<ControllerConfig, 'leaderElect' | 'leaseNamespace' | 'leaseName' | 'identity'>;
  client: KubeClient;
  controllers: Controller<KubeObject>[];
  informers: InformerFactory;
  metrics: ControllerMetrics;
  log: Logger;
}

/**
 * Gates the controllers on the Lease. Every replica fills its caches and answers /readyz
 * (so a standby is ready to take over at once), but only the leader reconciles, and only
 * once its caches have synced, so it never acts on a partial view. Call before informers
 * start, so no event is processed before the gate is shut.
 */
export function startLeadership(opts: LeadershipOptions): Leadership {
  const { config, controllers, metrics, log } = opts;
  if (!config.leaderElect) {
    metrics.leader.set(1);
    return { accepts: () => true, lost: new Promise(() => {}), release: async () => {} };
  }
  for (const c of controllers) c.pause();
  metrics.leader.set(0);
  let onLost: (err: LeadershipLostError) => void = () => {};
  const lost = new Promise<LeadershipLostError>((resolve) => {
    onLost = resolve;
  });
  const elector: LeaderElector = new LeaderElector({
    client: opts.client,
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    log,
    onStartedLeading: () => {
      metrics.leader.set(1);
      void opts.informers.waitForSync().then(() => {
        if (!elector.isLeader) return;
        log.info({ controllers: controllers.map((c) => c.kind) }, 'starting controllers');
        for (const c of controllers) c.start();
      });
    },
    onStoppedLeading: (err) => {
      metrics.leader.set(0);
      for (const c of controllers) c.pause();
      onLost(err);
    },
  });
  elector.run();
  return {
    accepts: () => elector.isLeader,
    lost,
    release: async () => {
      await elector.release();
      metrics.leader.set(0);
    },
  };
}

/**
 * Asks whichever replica leads to reconcile an object now, through the annotation its
 * informer sees (what `kubectl sluice reconcile` sets). A standby that receives a push
 * webhook uses this, since its own queue is paused.
 */
export async function requestReconcile(api: ObjectApi, rt: ResourceType, key: string): Promise<void> {
  const { namespace, name } = parseKey(key);
  await api.mergePatch(rt, namespace, name, {
    metadata: { annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: new Date().toISOString() } },
  });
}
