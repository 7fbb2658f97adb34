import type { InventoryEntry } from '../api/application.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject, type ResourceType } from '../kube/resources.ts';
import type { Service } from '../rollouts/services.ts';
import { deepEqual } from '../runtime/merge-patch.ts';
import { managedShape, project } from './drift.ts';
import type { LiveObject } from './health/app-health.ts';
import { without } from './ignore-differences.ts';
import type { InputPaths } from './inputs/input-paths.ts';
import type { ManagedObjects } from './managed-objects.ts';
import type { DesiredObject } from './manifest.ts';
import type { RestMapper } from './rest-mapper.ts';
import { type Stamp, stampRevisions } from './revision-stamp.ts';
import { apply, type Syncer } from './sync.ts';

export interface DriftReport {
  changed: number;
  changedIds: string[];
  prunedIds: string[];
  inventory: InventoryEntry[];
}

interface Tracked {
  desired: DesiredObject;
  rt: ResourceType;
  shape: Record<string, unknown>;
  /** What the API server returned for the fields we manage, after our last apply. */
  applied: unknown;
  resourceVersion: string | undefined;
  /** The live resourceVersion last found equal to `applied`: unchanged since, no compare. */
  verified: string | undefined;
}

interface Applied {
  revision: string;
  objects: Tracked[];
  /** desiredDigest of the objects last applied. */
  digest: string;
  /** Every object of the revision, also those never sent (which `objects` leaves out). */
  inventory: InventoryEntry[];
  /** For a chart: the render key (chart, values, capabilities) those objects came from. */
  renderKey?: string | undefined;
  /** The repository paths the render read (undefined: not known, every commit counts). */
  inputs?: InputPaths | undefined;
  /** The source revision stamped on each object, and the content it was stamped for. */
  stamps: Map<string, Stamp>;
}

/** How long a first sync after a restart waits for a cache to list a kind before stamping. */
const CACHE_WAIT_MS = 5_000;

/**
 * What each Application last applied, kept in memory to answer "did anything drift?" from
 * the watch caches without talking to the API server. After a restart it is empty, and
 * the first reconcile of each Application re-applies its revision once.
 */
export class AppState {
  private readonly managed: ManagedObjects;
  private readonly apps = new Map<string, Applied>();

  constructor(managed: ManagedObjects) {
    this.managed = managed;
  }

  has(key: string, revision: string): boolean {
    return this.apps.get(key)?.revision === revision;
  }

  /** Watches a kind (hooks, objects a wave waits for) so that changes wake their Application. */
  watch(rt: ResourceType): void {
    this.managed.watch(rt);
  }

  forget(key: string): void {
    this.apps.delete(key);
  }

  /** The cached live Service an object would replace, for the Rollout's selector hash. */
  liveService(o: DesiredObject): Service | undefined {
    return this.managed.get(core.services, o.namespace, o.name).object as Service | undefined;
  }

  /**
   * The live object with its managedFields, which the caches do not keep: a GET, done only
   * for objects spec.ignoreDifferences names.
   */
  liveObject(api: ObjectApi, o: DesiredObject, rt: ResourceType): Promise<KubeObject | undefined> {
    return api.getOrUndefined<KubeObject>(rt, o.namespace, o.name);
  }

  /**
   * True when `digest` is what was last applied, and then takes `revision` as applied too:
   * the caller has decided nothing else needs doing.
   */
  takeUnchanged(
    key: string,
    digest: string,
    revision: string,
    rendered: Pick<Applied, 'renderKey' | 'inputs'> = {},
  ): boolean {
    const last = this.apps.get(key);
    if (last?.digest !== digest) return false;
    last.revision = revision;
    last.renderKey = rendered.renderKey;
    last.inputs = rendered.inputs;
    return true;
  }

  /** The repository paths the render of the revision last applied read, when known. */
  inputs(key: string): InputPaths | undefined {
    return this.apps.get(key)?.inputs;
  }

  /**
   * Takes `to` as applied without rendering it, when `from` is what was last applied: the
   * caller found that no path the render reads changed between the two.
   */
  advance(key: string, from: string, to: string): boolean {
    const last = this.apps.get(key);
    if (last?.revision !== from) return false;
    last.revision = to;
    return true;
  }

  /** The render key of the chart last applied, when the Application is a chart. */
  renderKey(key: string): string | undefined {
    return this.apps.get(key)?.renderKey;
  }

  /**
   * Stamps each object with the source revision that last changed it (revision-stamp.ts):
   * from memory, or after a restart from the live objects in the caches.
   */
  async stampRevisions(
    key: string,
    mapper: RestMapper,
    objects: DesiredObject[],
    revision: string,
  ): Promise<Map<string, Stamp>> {
    const remembered = this.apps.get(key)?.stamps;
    const live = new Map<string, KubeObject | undefined>();
    if (!remembered) {
      const kinds = new Map<string, ResourceType>();
      const found: [DesiredObject, ResourceType][] = [];
      for (const o of objects) {
        const rt = await mapper.map(o.apiVersion, o.kind).catch(() => undefined);
        if (!rt) continue;
        kinds.set(`${rt.group}/${rt.kind}`, rt);
        found.push([o, rt]);
      }
      // Each kind's cache once, side by side: a kind that never lists costs one wait, not one per object.
      await Promise.all([...kinds.values()].map((rt) => this.managed.waitSynced(rt, CACHE_WAIT_MS)));
      for (const [o, rt] of found) live.set(o.id, this.managed.get(rt, o.namespace, o.name).object);
    }
    return stampRevisions(objects, revision, {
      stamp: (id) => remembered?.get(id),
      live: (o) => live.get(o.id),
    });
  }

  /**
   * Puts what an apply returned into the caches and says which objects it changed; the
   * result is remembered once the whole sync succeeded.
   */
  async track(
    key: string,
    mapper: RestMapper,
    desired: DesiredObject[],
    responses: Map<string, KubeObject>,
  ): Promise<{ objects: Tracked[]; changedIds: string[] }> {
    const before = new Map((this.apps.get(key)?.objects ?? []).map((t) => [t.desired.id, t.resourceVersion]));
    const objects: Tracked[] = [];
    const changedIds: string[] = [];
    for (const o of desired) {
      // Never sent (ssa: Ignore, reconcile: disabled): in the inventory, not watched for drift.
      const response = responses.get(o.id);
      if (!response) continue;
      const rt = await mapper.map(o.apiVersion, o.kind);
      const shape = managedShape(o.object);
      const rv = response.metadata.resourceVersion;
      if (before.get(o.id) !== rv) changedIds.push(o.id);
      objects.push({
        desired: o,
        rt,
        shape,
        applied: project(response, shape),
        resourceVersion: rv,
        verified: rv,
      });
      this.managed.observe(rt, response);
    }
    return { objects, changedIds };
  }

  remember(key: string, applied: Applied): void {
    this.apps.set(key, applied);
  }

  /** Re-applies objects whose managed fields changed or that were deleted by hand. */
  async correctDrift(key: string, s: Syncer): Promise<DriftReport> {
    const state = this.apps.get(key);
    const report: DriftReport = { changed: 0, changedIds: [], prunedIds: [], inventory: [] };
    if (!state) return report;
    const drifted: Tracked[] = [];
    for (const t of state.objects) {
      const live = this.managed.get(t.rt, t.desired.namespace, t.desired.name);
      if (!live.synced) continue;
      if (!live.object) {
        drifted.push(t);
        continue;
      }
      const rv = live.object.metadata.resourceVersion;
      if (rv !== undefined && rv === t.verified) continue;
      if (!this.differs(t, live.object, s)) {
        t.verified = rv;
        continue;
      }
      // The cached copy has no managedFields, so fields spec.ignoreDifferences leaves to other
      // managers are not known from it: ignoring fewer fields can only find more drift, which
      // the object with its field owners confirms.
      const full = s.ignored
        ? await s.api.getOrUndefined<KubeObject>(t.rt, t.desired.namespace, t.desired.name)
        : undefined;
      if (full && !this.differs(t, full, s)) {
        t.verified = full.metadata.resourceVersion;
        continue;
      }
      drifted.push(t);
    }
    if (drifted.length > 0) {
      const responses = await apply(
        s,
        drifted.map((t) => t.desired),
      );
      for (const t of drifted) {
        const response = responses.get(t.desired.id) as KubeObject;
        t.applied = project(response, t.shape);
        t.resourceVersion = response.metadata.resourceVersion;
        t.verified = t.resourceVersion;
        this.managed.observe(t.rt, response);
        report.changedIds.push(t.desired.id);
      }
      report.changed = drifted.length;
    }
    report.inventory = state.inventory;
    return report;
  }

  /** Whether the fields we manage differ from what we applied, but for ignored ones. */
  private differs(t: Tracked, live: KubeObject, s: Syncer): boolean {
    const ignored = s.ignored?.(t.desired, live) ?? [];
    return !deepEqual(without(project(live, t.shape), ignored), without(t.applied, ignored));
  }

  /** The live state of what was last applied, from the caches, for health. */
  live(key: string): LiveObject[] {
    const state = this.apps.get(key);
    if (!state) return [];
    return state.objects.map((t) => {
      const live = this.managed.get(t.rt, t.desired.namespace, t.desired.name);
      return { id: t.desired.id, synced: live.synced, object: live.object };
    });
  }
}
