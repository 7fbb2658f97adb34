// Watching Rollouts while their controller is killed: every status written (to check that no
// step is skipped and the order is kept), every AnalysisRun created (to check that none is
// created twice), and triggers that run synchronously in the watch handler, so a SIGKILL
// lands the moment a state is first seen.

import {
  type AnalysisRun,
  analysisRunResource,
  analysisTemplateResource,
} from '../../controller/api/analysis.ts';
import { type Rollout, type RolloutStatus, rolloutResource } from '../../controller/api/rollout.ts';
import { Informer } from '../../controller/kube/informer.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { createNamespace, deleteNamespace, type TestCluster } from './cluster.ts';
import { RestartableController } from './faults.ts';
import { freezeStatus, setFrozen } from './faults-freeze.ts';
import { startMetricsApp } from './metrics-app/metrics-app.ts';
import { type PrometheusServer, startPrometheus } from './prometheus/prometheus-server.ts';
import { POD_TEMPLATE_HASH_LABEL, type ReplicaSetLike, RolloutDriver, service } from './rollouts.ts';

interface Trigger<T> {
  pred: (obj: T) => boolean;
  action: (obj: T) => void;
  resolve: (obj: T) => void;
}

/** Runs `action` on the first object of `inf` (now or later) that matches. */
function whenSeen<T extends KubeObject>(
  inf: Informer<T>,
  triggers: Trigger<T>[],
  pred: (obj: T) => boolean,
  action: (obj: T) => void,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const found = inf.list().find(pred);
  if (found) {
    action(found);
    return Promise.resolve(found);
  }
  return new Promise<T>((resolve, reject) => {
    const t: Trigger<T> = { pred, action, resolve };
    triggers.push(t);
    const timer = setTimeout(() => {
      triggers.splice(triggers.indexOf(t), 1);
      reject(new Error(`not seen within ${timeoutMs}ms: ${what}`));
    }, timeoutMs);
    timer.unref();
  });
}

function fire<T>(triggers: Trigger<T>[], obj: T): void {
  for (const t of [...triggers]) {
    if (!t.pred(obj)) continue;
    triggers.splice(triggers.indexOf(t), 1);
    t.action(obj);
    t.resolve(obj);
  }
}

export class RolloutRecorder {
  readonly rollouts: Informer<Rollout>;
  readonly runs: Informer<AnalysisRun>;
  readonly replicaSets: Informer<ReplicaSetLike>;
  /** Every status seen, per Rollout name, oldest first. */
  readonly statuses = new Map<string, RolloutStatus[]>();
  /** Every uid seen per AnalysisRun name: more than one means the run was created again. */
  readonly runUids = new Map<string, Set<string>>();
  private readonly roTriggers: Trigger<Rollout>[] = [];
  private readonly runTriggers: Trigger<AnalysisRun>[] = [];
  private readonly rsTriggers: Trigger<ReplicaSetLike>[] = [];

  constructor(cluster: TestCluster, ns: string) {
    this.rollouts = new Informer<Rollout>(cluster.client, { resource: rolloutResource, namespace: ns });
    this.runs = new Informer<AnalysisRun>(cluster.client, { resource: analysisRunResource, namespace: ns });
    this.replicaSets = new Informer<ReplicaSetLike>(cluster.client, {
      resource: core.replicaSets,
      namespace: ns,
    });
    const onRollout = (ro: Rollout) => {
      const list = this.statuses.get(ro.metadata.name) ?? [];
      if (ro.status) list.push(ro.status);
      this.statuses.set(ro.metadata.name, list);
      fire(this.roTriggers, ro);
    };
    this.rollouts.on('add', onRollout);
    this.rollouts.on('update', onRollout);
    const onRun = (run: AnalysisRun) => {
      const uids = this.runUids.get(run.metadata.name) ?? new Set();
      uids.add(run.metadata.uid ?? '');
      this.runUids.set(run.metadata.name, uids);
      fire(this.runTriggers, run);
    };
    this.runs.on('add', onRun);
    this.runs.on('update', onRun);
    const onRs = (rs: ReplicaSetLike) => fire(this.rsTriggers, rs);
    this.replicaSets.on('add', onRs);
    this.replicaSets.on('update', onRs);
  }

  async start(): Promise<void> {
    for (const inf of [this.rollouts, this.runs, this.replicaSets]) inf.start();
    await Promise.all([this.rollouts.synced, this.runs.synced, this.replicaSets.synced]);
  }

  stop(): void {
    for (const inf of [this.rollouts, this.runs, this.replicaSets]) inf.stop();
  }

  whenRollout(
    pred: (ro: Rollout) => boolean,
    action: (ro: Rollout) => void = () => {},
    timeoutMs = 180_000,
  ): Promise<Rollout> {
    return whenSeen(this.rollouts, this.roTriggers, pred, action, timeoutMs, 'Rollout state');
  }

  whenRun(
    pred: (run: AnalysisRun) => boolean,
    action: (run: AnalysisRun) => void = () => {},
    timeoutMs = 180_000,
  ): Promise<AnalysisRun> {
    return whenSeen(this.runs, this.runTriggers, pred, action, timeoutMs, 'AnalysisRun state');
  }

  whenReplicaSet(
    pred: (rs: ReplicaSetLike) => boolean,
    action: (rs: ReplicaSetLike) => void = () => {},
    timeoutMs = 180_000,
  ): Promise<ReplicaSetLike> {
    return whenSeen(this.replicaSets, this.rsTriggers, pred, action, timeoutMs, 'ReplicaSet state');
  }

  /** The canary steps the update to `hash` went through, each once, in the order written. */
  steps(name: string, hash: string): number[] {
    return collapse(
      (this.statuses.get(name) ?? [])
        .filter((s) => s.currentPodHash === hash && s.currentStepIndex !== undefined)
        .map((s) => s.currentStepIndex as number),
    );
  }

  /** The blue-green stages the update to `hash` went through, in the order written. */
  stages(name: string, hash: string): string[] {
    return collapse(
      (this.statuses.get(name) ?? []).filter((s) => s.currentPodHash === hash).map((s) => blueGreenStage(s)),
    );
  }

  /** AnalysisRuns of a Rollout seen with more than one uid (deleted and created again). */
  recreatedRuns(): string[] {
    return [...this.runUids].filter(([, uids]) => uids.size > 1).map(([name]) => name);
  }

  runNames(): string[] {
    return [...this.runUids.keys()].sort();
  }
}

/** Consecutive duplicates removed: the sequence of distinct states. */
function collapse<T>(list: readonly T[]): T[] {
  return list.filter((v, i) => i === 0 || v !== list[i - 1]);
}

export const BLUE_GREEN_STAGES = ['new', 'preview', 'pre-analysis', 'switched', 'post-analysis', 'promoted'];

/** Where a blue-green update to status.currentPodHash stands, from its status alone. */
export function blueGreenStage(s: RolloutStatus): string {
  const hash = s.currentPodHash;
  const bg = s.blueGreen ?? {};
  if (s.stableRS === hash) return 'promoted';
  if (bg.postPromotionAnalysisRunStatus) return 'post-analysis';
  if (bg.activeSelector === hash) return 'switched';
  if (bg.prePromotionAnalysisRunStatus) return 'pre-analysis';
  if (bg.previewSelector === hash) return 'preview';
  return 'new';
}

/** True when every element is at or after the one before in `order`. */
export function inOrder(seen: readonly string[], order: readonly string[]): boolean {
  const idx = seen.map((s) => order.indexOf(s));
  return idx.every((v, i) => v >= 0 && (i === 0 || v >= (idx[i - 1] as number)));
}

function isNewReplicaSet(rollout: string, stableHash: string) {
  return (rs: ReplicaSetLike) =>
    rs.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === rollout) === true &&
    rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] !== stableHash;
}

export interface AnalysisBackend {
  prometheus: PrometheusServer;
  stop(): Promise<void>;
}

/** A healthy metrics app scraped by a real Prometheus, ready to be queried. */
export async function startAnalysisBackend(): Promise<AnalysisBackend> {
  const app = await startMetricsApp({ name: 'good', behaviour: { rps: 20 } });
  const prometheus = await startPrometheus({ jobs: [{ job: app.name, targets: [app.target] }] });
  await prometheus.waitForSeries('sum(rate(http_requests_total{app="good"}[5s])) > 0', undefined, 60_000);
  return {
    prometheus,
    stop: async () => {
      await prometheus.stop();
      await app.stop();
    },
  };
}

/**
 * An AnalysisTemplate measuring the good app's error ratio. With no data the ratio is an
 * empty vector, which is an Error, never a pass: missing data cannot promote.
 */
export function errorRateTemplate(
  ns: string,
  url: string,
  opts: { count: number; interval?: string; consecutiveErrorLimit?: number },
): KubeObject {
  const ratio =
    '(sum(rate(http_requests_total{app="good",code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{app="good"}[5s]))';
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'error-rate', namespace: ns },
    spec: {
      metrics: [
        {
          name: 'error-rate',
          interval: opts.interval ?? '1s',
          count: opts.count,
          failureLimit: 0,
          consecutiveErrorLimit: opts.consecutiveErrorLimit ?? 4,
          successCondition: 'result[0] < 0.05',
          provider: { prometheus: { address: url, query: ratio, timeout: 5 } },
        },
      ],
    },
  };
}

/** One namespace of a fault test: Services, the error-rate template, a controller and a recorder. */
export interface RolloutSide {
  ns: string;
  ro: RolloutDriver;
  ctl: RestartableController;
  rec: RolloutRecorder;
  /** Stops the recorder and controller and deletes the namespace. */
  remove(): Promise<void>;
}

export async function rolloutSide(
  cluster: TestCluster,
  prefix: string,
  opts: { app: string; services: string[]; prometheusUrl: string; count: number },
): Promise<RolloutSide> {
  const ns = await createNamespace(cluster.api, prefix);
  for (const name of opts.services) await cluster.api.create(core.services, service(ns, name, opts.app));
  await cluster.api.create(
    analysisTemplateResource,
    errorRateTemplate(ns, opts.prometheusUrl, { count: opts.count, consecutiveErrorLimit: 4 }),
  );
  const ctl = new RestartableController({ kubeconfig: cluster.kubeconfig, namespace: ns });
  await ctl.start();
  const rec = new RolloutRecorder(cluster, ns);
  await rec.start();
  return {
    ns,
    ro: new RolloutDriver(cluster, ns),
    ctl,
    rec,
    remove: async () => {
      rec.stop();
      await ctl.stop();
      await deleteNamespace(cluster.api, ns);
    },
  };
}

/**
 * Updates the Rollout to `image` and SIGKILLs its controller in the middle of the first
 * reconcile: the new ReplicaSet created, the status naming it refused (so not written).
 * Restarts the controller with writes allowed again; returns the new pod-template-hash.
 */
export async function updateAndKillBeforeStatus(
  cluster: TestCluster,
  s: RolloutSide,
  name: string,
  stableHash: string,
  image: string,
): Promise<string> {
  const unfreeze = await freezeStatus(cluster, s.ns, 'rollouts');
  await setFrozen(cluster, s.ns, `rollout/${name}`, true);
  const refused = s.ctl.killOnLog(
    (l) => l.kind === 'Rollout' && /reconcile (failed|stalled)/.test(String(l.msg)),
    120_000,
  );
  await s.ro.setImage(name, image);
  const rs = await s.rec.whenReplicaSet(isNewReplicaSet(name, stableHash));
  await refused;
  const status = (await s.ro.get(name)).status;
  if (status?.currentPodHash !== stableHash)
    throw new Error(`the status was written before the kill: ${JSON.stringify(status)}`);
  await setFrozen(cluster, s.ns, `rollout/${name}`, false);
  await unfreeze();
  await s.ctl.restart();
  return rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] as string;
}

export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
