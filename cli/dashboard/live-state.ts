// The objects the dashboard shows, kept current by informers (list, then watch) with the
// user's own credentials, and the page states built from them. Every open page is told when
// anything changed; it rebuilds its view and sends it only if it differs.

import { EventEmitter } from 'node:events';
import { type AnalysisRun, analysisRunResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import type { KubeClient } from '../../controller/kube/client.ts';
import { Informer } from '../../controller/kube/informer.ts';
import { core, type KubeObject, type ResourceType } from '../../controller/kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../../controller/rollouts/labels.ts';
import { isOwnedBy } from '../../controller/rollouts/owner.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { describe, type InventoryHold, InventoryWatch } from './inventory-watch.ts';
import type { AppDetail, Overview, PageState, RolloutDetail } from './model.ts';
import { appDetail, appRows, rolloutDetail, rolloutRows, sourceRows } from './view-model.ts';

const CHANGE_DELAY_MS = 100;

const RESOURCES = {
  sources: gitRepositoryResource,
  applications: applicationResource,
  rollouts: rolloutResource,
  replicaSets: core.replicaSets,
  runs: analysisRunResource,
} as const satisfies Record<string, ResourceType>;
type Name = keyof typeof RESOURCES;

export class LiveState {
  /** undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly client: KubeClient;
  private readonly informers: Record<Name, Informer<KubeObject>>;
  private readonly errors = new Map<Name, string>();
  private readonly events = new EventEmitter();
  private timer: NodeJS.Timeout | undefined;
  private readonly inventory: InventoryWatch;

  constructor(client: KubeClient, namespace: string | undefined) {
    this.namespace = namespace;
    this.client = client;
    this.events.setMaxListeners(0);
    this.inventory = new InventoryWatch(client, () => this.changed());
    const make = (name: Name) => {
      const inf = new Informer<KubeObject>(client, {
        resource: RESOURCES[name],
        namespace,
        // Only ReplicaSets with a pod-template-hash can belong to a Rollout.
        labelSelector: name === 'replicaSets' ? POD_TEMPLATE_HASH_LABEL : undefined,
        onError: (err) => {
          this.errors.set(name, describe(err));
          this.changed();
        },
      });
      for (const ev of ['add', 'update', 'delete'] as const) inf.on(ev, () => this.changed());
      void inf.synced.then(() => this.changed());
      return inf;
    };
    this.informers = {
      sources: make('sources'),
      applications: make('applications'),
      rollouts: make('rollouts'),
      replicaSets: make('replicaSets'),
      runs: make('runs'),
    };
  }

  start(): void {
    for (const inf of Object.values(this.informers)) inf.start();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const inf of Object.values(this.informers)) inf.stop();
    this.inventory.stop();
  }

  /** Calls `listener` after changes (batched); returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  overview(): PageState<Overview> {
    return this.page(['sources', 'applications', 'rollouts'], () => ({
      scope: this.namespace ? `namespace ${this.namespace}` : 'all namespaces',
      sources: sourceRows(this.list<GitRepository>('sources')),
      applications: appRows(this.list<Application>('applications')),
      rollouts: rolloutRows(this.list<Rollout>('rollouts')),
    }));
  }

  rollout(namespace: string, name: string): PageState<RolloutDetail> {
    return this.page(['rollouts', 'replicaSets', 'runs'], () => {
      const ro = this.informers.rollouts.get(`${namespace}/${name}`) as Rollout | undefined;
      if (!ro) return undefined;
      return rolloutDetail({
        rollout: ro,
        replicaSets: this.list<ReplicaSet>('replicaSets').filter((rs) => isOwnedBy(rs, ro)),
        runs: this.list<AnalysisRun>('runs').filter((r) => isOwnedBy(r, ro)),
      });
    });
  }

  /**
   * An Application page: its state, built with the watches of what the Application applied,
   * which the page holds until `release` (when it leaves).
   */
  applicationPage(
    namespace: string,
    name: string,
  ): { build: () => PageState<AppDetail>; release: () => void } {
    const hold = this.inventory.hold();
    return { build: () => this.application(namespace, name, hold), release: hold.release };
  }

  private application(namespace: string, name: string, hold: InventoryHold): PageState<AppDetail> {
    return this.page(['applications', 'sources'], () => {
      const app = this.informers.applications.get(`${namespace}/${name}`) as Application | undefined;
      if (!app) return undefined;
      const ref = app.spec.sourceRef;
      const source = ref && this.informers.sources.get(`${ref.namespace ?? namespace}/${ref.name}`);
      return appDetail(app, source as GitRepository | undefined, hold.lookup);
    });
  }

  private list<T extends KubeObject>(name: Name): T[] {
    return this.informers[name].list() as T[];
  }

  /** `needs`: the lists the page reads, the one holding the page's own object first. */
  private page<T>(needs: [Name, ...Name[]], build: () => T | undefined): PageState<T> {
    const pending = needs
      .filter((n) => !this.informers[n].hasSynced)
      .map((n) => ({ resource: RESOURCES[n].plural, error: this.errors.get(n) }));
    const view = build();
    // Not found means something only once the list that would hold it has landed.
    return { pending, view, found: view !== undefined || !this.informers[needs[0]].hasSynced };
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.events.emit('change');
    }, CHANGE_DELAY_MS);
  }
}
