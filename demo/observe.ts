// Reads what a person would look at with kubectl — the Rollout, its ReplicaSets and
// AnalysisRuns, the Application and GitRepository, and the controller's Events — a couple of
// times a second, and hands each reading to the display, the stand-ins and the demo's waits.

import { type AnalysisRun, analysisRunResource } from '../controller/api/analysis.ts';
import { type Application, applicationResource } from '../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../controller/api/git-repository.ts';
import { type Rollout, rolloutResource } from '../controller/api/rollout.ts';
import type { ObjectApi } from '../controller/kube/objects.ts';
import { core, type KubeObject } from '../controller/kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../controller/rollouts/labels.ts';
import { behaviourOf } from './stand-ins.ts';

const REPORTER = 'sluice.dev/controller';

interface ReplicaSetView {
  name: string;
  hash: string;
  image: string;
  version: string;
  specReplicas: number;
  readyReplicas: number;
}

interface EventView {
  /** Changes when a repeat of the event is recorded. */
  key: string;
  time: string;
  type: string;
  reason: string;
  note: string;
  /** `Kind/name` of the object the event is about. */
  regarding: string;
}

export interface Snapshot {
  at: number;
  rollout: Rollout | undefined;
  app: Application | undefined;
  source: GitRepository | undefined;
  replicaSets: ReplicaSetView[];
  /** Oldest first. */
  runs: AnalysisRun[];
  /** The controller's Events since the demo started, oldest first. */
  events: EventView[];
}

interface Names {
  namespace: string;
  rollout: string;
  application: string;
  source: string;
}

class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

type Listener = (s: Snapshot) => void | Promise<void>;

interface ReplicaSetObject extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: { readyReplicas?: number };
}

interface EventObject extends KubeObject {
  eventTime?: string;
  type?: string;
  reason?: string;
  note?: string;
  reportingController?: string;
  regarding?: { kind?: string; name?: string };
  series?: { count?: number; lastObservedTime?: string };
}

export class Observer {
  readonly #api: ObjectApi;
  readonly #names: Names;
  readonly #since: number;
  readonly #listeners: Listener[] = [];
  #timer: NodeJS.Timeout | undefined;
  #latest: Snapshot | undefined;
  #lastError = '';

  constructor(api: ObjectApi, names: Names, since: Date) {
    this.#api = api;
    this.#names = names;
    this.#since = since.getTime();
  }

  get latest(): Snapshot | undefined {
    return this.#latest;
  }

  /** Returns a function that unsubscribes. */
  subscribe(listener: Listener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** Polls until stop(); a failed reading is reported once per distinct error and retried. */
  start(intervalMs: number, onError: (message: string) => void): void {
    const tick = async () => {
      try {
        const snapshot = await this.read();
        this.#latest = snapshot;
        this.#lastError = '';
        for (const listener of [...this.#listeners]) await listener(snapshot);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.#lastError) onError(message);
        this.#lastError = message;
      }
      if (this.#timer !== undefined) this.#timer = setTimeout(tick, intervalMs);
    };
    this.#timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async read(): Promise<Snapshot> {
    const { namespace: ns } = this.#names;
    const [rollout, app, source, replicaSets, runs, events] = await Promise.all([
      this.#api.getOrUndefined<Rollout>(rolloutResource, ns, this.#names.rollout),
      this.#api.getOrUndefined<Application>(applicationResource, ns, this.#names.application),
      this.#api.getOrUndefined<GitRepository>(gitRepositoryResource, ns, this.#names.source),
      this.#api.list<ReplicaSetObject>(core.replicaSets, ns),
      this.#api.list<AnalysisRun>(analysisRunResource, ns),
      this.#api.list<EventObject>(core.events, ns),
    ]);
    const uid = rollout?.metadata.uid;
    return {
      at: Date.now(),
      rollout,
      app,
      source,
      replicaSets: replicaSets.items
        .filter((rs) => uid !== undefined && rs.metadata.ownerReferences?.some((o) => o.uid === uid))
        .map(replicaSetView),
      runs: runs.items
        .filter((r) => uid !== undefined && r.metadata.ownerReferences?.some((o) => o.uid === uid))
        .sort((a, b) => created(a) - created(b)),
      events: events.items
        .filter((e) => e.reportingController === REPORTER && Date.parse(e.eventTime ?? '') >= this.#since)
        .map(eventView)
        .sort((a, b) => a.time.localeCompare(b.time)),
    };
  }

  /** Resolves with the first non-undefined `check` of a reading; rejects after `timeoutMs`. */
  waitFor<T>(what: string, check: (s: Snapshot) => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        unsubscribe();
        reject(new WaitTimeoutError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`));
      }, timeoutMs);
      const unsubscribe = this.subscribe((s) => {
        if (done) return;
        const value = check(s);
        if (value === undefined) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      });
    });
  }
}

function created(o: KubeObject): number {
  return Date.parse(o.metadata.creationTimestamp ?? '') || 0;
}

function replicaSetView(rs: ReplicaSetObject): ReplicaSetView {
  const image = rs.spec?.template?.spec?.containers?.[0]?.image ?? '';
  return {
    name: rs.metadata.name,
    hash: rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '',
    image,
    version: behaviourOf(image).version,
    specReplicas: rs.spec?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
  };
}

function eventView(e: EventObject): EventView {
  const count = e.series?.count ?? 1;
  return {
    key: `${e.metadata.name}#${count}`,
    time: e.series?.lastObservedTime ?? e.eventTime ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    note: e.note ?? '',
    regarding: `${e.regarding?.kind ?? '?'}/${e.regarding?.name ?? '?'}`,
  };
}
