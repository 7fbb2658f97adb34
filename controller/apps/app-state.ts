import type { InventoryEntry } from '../api/application.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { splitApiVersion } from '../kube/resources.ts';
import { deepEqual } from '../runtime/merge-patch.ts';
import { desiredDigest, nothingToPrune } from './digest.ts';
import { managedShape, project } from './drift.ts';
import { assessHealth, type ObjectHealth } from './health.ts';
import type { ManagedObjects } from './managed-objects.ts';
import { type DesiredObject, prepare } from './manifest.ts';
import { render } from './render.ts';
import { applyAll, prune, type Syncer, validate } from './sync.ts';

export interface DriftReport {
  changed: number;
  changedIds: string[];
  prunedIds: string[];
  inventory: InventoryEntry[];
}

export interface SyncInput {
  dir: string;
  path: string;
  revision: string;
  app: { name: string; namespace: string };
  targetNamespace: string | undefined;
  prune: boolean;
  previous: InventoryEntry[];
  kustomize: string;
  /** Told as each stage begins (render, validate, apply of each wave, prune), for debug logs. */
  onStage?: (stage: string, detail?: Record<string, unknown>) => void;
  /**
   * When what renders is what was last applied (a new revision that changed other paths),
   * only correct drift instead of validating and applying every object again. Off for
   * forced reconciles and spec changes, which apply for real.
   */
  skipUnchanged?: boolean;
}

const ROLLOUT_HASH_KEY = 'rollouts-pod-template-hash';
const SERVICES: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
};

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
}

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

  forget(key: string): void {
    this.apps.delete(key);
  }

  /**
   * A Rollout pins its stable and canary Services to one ReplicaSet by adding the
   * pod-template-hash to their selector. A Service selector is an atomic map, so applying
   * the selector from git would drop that key and send traffic to every version until
   * the Rollout puts it back. Keep the live key; drift checks ignore it, since the
   * manifest's fields alone make the compared shape.
   */
  private withRolloutSelector(s: Syncer): Syncer {
    return {
      ...s,
      finalise: (o) => {
        if (o.kind !== 'Service' || o.apiVersion !== 'v1') return o.object;
        const live = this.managed.get(SERVICES, o.namespace, o.name).object as
          | { spec?: { selector?: Record<string, string> } }
          | undefined;
        const hash = live?.spec?.selector?.[ROLLOUT_HASH_KEY];
        const spec = (o.object.spec ?? {}) as { selector?: Record<string, string> };
        if (!hash || !spec.selector || ROLLOUT_HASH_KEY in spec.selector) return o.object;
        return { ...o.object, spec: { ...spec, selector: { ...spec.selector, [ROLLOUT_HASH_KEY]: hash } } };
      },
    };
  }

  async sync(key: string, input: SyncInput, plain: Syncer): Promise<DriftReport> {
    const s = this.withRolloutSelector(plain);
    input.onStage?.('render');
    const rendered = await render(input.dir, input.path, { kustomize: input.kustomize });
    const scopes = new Map<string, ResourceType | undefined>();
    for (const r of rendered) {
      const { apiVersion, kind } = r.object as { apiVersion?: unknown; kind?: unknown };
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
      const id = `${apiVersion}|${kind}`;
      if (!scopes.has(id)) scopes.set(id, await s.mapper.map(apiVersion, kind).catch(() => undefined));
    }
    const desired = prepare(rendered, {
      app: input.app,
      targetNamespace: input.targetNamespace,
      scopeOf: (apiVersion, kind) => scopes.get(`${apiVersion}|${kind}`)?.namespaced,
    });
    const digest = desiredDigest(desired);
    const last = this.apps.get(key);
    if (
      input.skipUnchanged &&
      last?.digest === digest &&
      (!input.prune || nothingToPrune(input.previous, desired))
    ) {
      input.onStage?.('unchanged', { objects: desired.length });
      last.revision = input.revision;
      return this.correctDrift(key, plain);
    }
    input.onStage?.('validate', { objects: desired.length });
    await validate(s, desired);
    const responses = await applyAll(s, desired, (i, stage) =>
      input.onStage?.('apply', { wave: i, objects: stage.length }),
    );
    const before = new Map((this.apps.get(key)?.objects ?? []).map((t) => [t.desired.id, t.resourceVersion]));
    const tracked: Tracked[] = [];
    const changedIds: string[] = [];
    for (const o of desired) {
      const rt = await s.mapper.map(o.apiVersion, o.kind);
      const response = responses.get(o.id) as KubeObject;
      const shape = managedShape(o.object);
      const rv = response.metadata.resourceVersion;
      if (before.get(o.id) !== rv) changedIds.push(o.id);
      tracked.push({
        desired: o,
        rt,
        shape,
        applied: project(response, shape),
        resourceVersion: rv,
        verified: rv,
      });
      this.managed.observe(rt, response);
    }
    const keep = new Set(desired.map((o) => o.id));
    if (input.prune) input.onStage?.('prune');
    const prunedIds = input.prune ? await prune(s, input.previous, keep) : [];
    this.apps.set(key, { revision: input.revision, objects: tracked, digest });
    return {
      changed: changedIds.length,
      changedIds,
      prunedIds,
      inventory: desired.map((o) => ({ id: o.id, v: splitApiVersion(o.apiVersion).version })),
    };
  }

  /** Re-applies objects whose managed fields changed or that were deleted by hand. */
  async correctDrift(key: string, plain: Syncer): Promise<DriftReport> {
    const s = this.withRolloutSelector(plain);
    const state = this.apps.get(key);
    const report: DriftReport = { changed: 0, changedIds: [], prunedIds: [], inventory: [] };
    if (!state) return report;
    const drifted = state.objects.filter((t) => {
      const live = this.managed.get(t.rt, t.desired.namespace, t.desired.name);
      if (!live.synced) return false;
      if (!live.object) return true;
      const rv = live.object.metadata.resourceVersion;
      if (rv !== undefined && rv === t.verified) return false;
      if (!deepEqual(project(live.object, t.shape), t.applied)) return true;
      t.verified = rv;
      return false;
    });
    if (drifted.length > 0) {
      const responses = await applyAll(
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
    report.inventory = state.objects.map((t) => ({
      id: t.desired.id,
      v: splitApiVersion(t.desired.apiVersion).version,
    }));
    return report;
  }

  health(key: string): { id: string; health: ObjectHealth }[] {
    const state = this.apps.get(key);
    if (!state) return [];
    return state.objects.map((t) => {
      const live = this.managed.get(t.rt, t.desired.namespace, t.desired.name);
      const health: ObjectHealth = live.synced
        ? assessHealth(live.object)
        : { status: 'Unknown', message: 'cache not synced' };
      return { id: t.desired.id, health };
    });
  }
}
