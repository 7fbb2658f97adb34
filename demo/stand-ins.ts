// Stand-ins for the demo's pods. The control plane's nodes are simulated (kwok): pods become
// Running and Ready, but no container runs, so nothing would serve requests or expose metrics.
// For every version of the Rollout with ready pods, the demo runs one real metrics-app process
// instead, labelled with that version's pod-template-hash, generating its own traffic (10
// requests a second per ready pod), and registers it as a Prometheus scrape target; it stops the
// process when the version's ReplicaSet has no ready pods left.
//
// How a version behaves comes from its image tag: a tag containing "bad" answers 30% of its
// requests with HTTP 500, any other tag answers all of them with 200.

import { type SpawnedMetricsApp, spawnMetricsApp } from '../test/support/metrics-app/spawn-metrics-app.ts';
import type { PrometheusServer, ScrapeJob } from '../test/support/prometheus/prometheus-server.ts';

const RPS_PER_POD = 10;
export const BAD_ERROR_RATE = 0.3;

interface VersionBehaviour {
  /** The image tag, e.g. `v3-bad`. */
  version: string;
  errorRate: number;
}

export function behaviourOf(image: string): VersionBehaviour {
  // The tag follows the last ':' after the last '/'; a ':' before it belongs to a registry port.
  const colon = image.lastIndexOf(':');
  const version = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
  return { version, errorRate: /bad/i.test(version) ? BAD_ERROR_RATE : 0 };
}

/** What the stand-ins need to know about one ReplicaSet of the Rollout. */
interface VersionPods {
  hash: string;
  image: string;
  readyReplicas: number;
}

export interface StandIn extends VersionBehaviour {
  hash: string;
  readyReplicas: number;
  target: string;
}

interface Running extends StandIn {
  app: SpawnedMetricsApp;
}

interface StandInOptions {
  prometheus: PrometheusServer;
  /** Scrape jobs that are always there (the controller's own /metrics). */
  fixedJobs: ScrapeJob[];
  namespace: string;
  rollout: string;
  /** One line per started or stopped stand-in. */
  log: (line: string) => void;
}

export class StandIns {
  readonly #opts: StandInOptions;
  readonly #running = new Map<string, Running>();
  /** Syncs run one after another: each spawns and reloads Prometheus. */
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(opts: StandInOptions) {
    this.#opts = opts;
    // A demo that dies must not leave metrics apps behind.
    process.once('exit', () => {
      for (const r of this.#running.values()) r.app.child.kill('SIGKILL');
    });
  }

  list(): StandIn[] {
    return [...this.#running.values()].map(({ app: _app, ...rest }) => rest);
  }

  /** Brings the running stand-ins in line with the ReplicaSets; safe to call on every poll. */
  sync(versions: readonly VersionPods[]): Promise<void> {
    this.#queue = this.#queue.catch(() => undefined).then(() => this.#sync(versions));
    return this.#queue;
  }

  async #sync(versions: readonly VersionPods[]): Promise<void> {
    if (this.#stopped) return;
    const wanted = new Map(versions.filter((v) => v.readyReplicas > 0).map((v) => [v.hash, v]));
    let changed = false;
    for (const [hash, running] of this.#running) {
      if (wanted.has(hash)) continue;
      this.#running.delete(hash);
      changed = true;
      await running.app.stop();
      this.#opts.log(`stand-in for ${running.version} (${hash}) stopped: its ReplicaSet has no ready pods`);
    }
    for (const v of wanted.values()) {
      const running = this.#running.get(v.hash);
      if (running) {
        if (running.readyReplicas !== v.readyReplicas) {
          running.readyReplicas = v.readyReplicas;
          await running.app.setBehaviour({ rps: RPS_PER_POD * v.readyReplicas }).catch(() => undefined);
        }
        continue;
      }
      const behaviour = behaviourOf(v.image);
      const app = await spawnMetricsApp({
        name: this.#opts.rollout,
        version: behaviour.version,
        behaviour: { errorRate: behaviour.errorRate, rps: RPS_PER_POD * v.readyReplicas },
      });
      this.#running.set(v.hash, {
        ...behaviour,
        hash: v.hash,
        readyReplicas: v.readyReplicas,
        target: app.target,
        app,
      });
      changed = true;
      const errors = behaviour.errorRate > 0 ? `${Math.round(behaviour.errorRate * 100)}% errors` : 'healthy';
      this.#opts.log(`stand-in for ${behaviour.version} (${v.hash}) started on ${app.target}: ${errors}`);
    }
    if (changed) await this.#opts.prometheus.setJobs(this.jobs());
  }

  /** The scrape jobs: fixed ones, then one per stand-in, labelled so queries can select a version. */
  jobs(): ScrapeJob[] {
    return [
      ...this.#opts.fixedJobs,
      ...[...this.#running.values()].map((r) => ({
        job: `${this.#opts.rollout}-${r.hash}`,
        targets: [r.target],
        labels: {
          namespace: this.#opts.namespace,
          rollout: this.#opts.rollout,
          rollouts_pod_template_hash: r.hash,
        },
      })),
    ];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#queue.catch(() => undefined);
    await Promise.all([...this.#running.values()].map((r) => r.app.stop()));
    this.#running.clear();
  }
}
