// An Application's sync, stage by stage, in the order they run:
//
//   render (YAML, kustomize or a Helm chart) → plan → validate → apply → prune → health
//
// The controller runs them all (`sync`). `kubectl sluice diff` runs render and plan, sends
// validate's dry-run and asks prune what it would delete, on a target built by the same
// `syncTarget`: what diff shows is what the next sync sends.

import type { Application, InventoryEntry, SyncOperation } from '../api/application.ts';
import { FIELD_MANAGER, type ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { Service } from '../rollouts/services.ts';
import { apiTime } from '../runtime/api-time.ts';
import type { AppState, DriftReport } from './app-state.ts';
import { applierIdentity } from './applier-account.ts';
import { mapLimit } from './concurrency.ts';
import { createNamespace } from './create-namespace.ts';
import { desiredDigest, nothingToPrune } from './digest.ts';
import { createsOnly, undoCreated } from './first-sync.ts';
import { assessApplication, type HealthInputs } from './health/app-health.ts';
import { HookObjects } from './hooks/hook-objects.ts';
import { firstUnhealthy, runOperation, SyncOperationFailed, SyncWaiting } from './hooks/operation.ts';
import { ignoredPointers, leaveIgnored, rulesFor } from './ignore-differences.ts';
import { appObjects, type DesiredObject, inventoryEntry, prepare } from './manifest.ts';
import type { RenderedObject } from './render.ts';
import { renderSource, type SourceRenderOptions } from './render-source.ts';
import type { RestMapper } from './rest-mapper.ts';
import { keepRolloutHash } from './rollout-selector.ts';
import { CONCURRENCY, prune, pruneSet, type Syncer, validate } from './sync.ts';

const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;

/** The Application a plan is for: its tracking labels and default namespace. */
export interface AppTarget {
  app: { name: string; namespace: string };
  targetNamespace: string | undefined;
  /** `syncPolicy.syncOptions: [CreateNamespace=true]`: the target namespace is created if missing. */
  createNamespace?: boolean;
}

export interface SyncInput extends AppTarget {
  dir: string;
  path: string;
  revision: string;
  prune: boolean;
  previous: InventoryEntry[];
  kustomize: string;
  /** What a chart at `path` is rendered with (spec.helm, the helm binary, the cluster). */
  chart?: SourceRenderOptions['chart'];
  /** Told as each stage begins (render, validate, each step, apply of each wave, prune), for debug logs. */
  onStage?: (stage: string, detail?: Record<string, unknown>) => void;
  /**
   * When what renders is what was last applied (a new revision that changed other paths),
   * only correct drift instead of validating and applying every object again. Off for
   * forced reconciles and spec changes, which apply for real.
   */
  skipUnchanged?: boolean;
  /**
   * The operation this sync is (status.operation): a new one at step 0, or one a wait
   * interrupted. Updated in place as steps finish. Absent: a fresh one nobody keeps.
   */
  operation?: SyncOperation;
  /**
   * The Application has never tried a sync: when none of its objects exists, they are
   * created without dry-runs first (first-sync.ts). A retry after a failure dry-runs.
   */
  firstSync?: boolean;
  /** How long one step may wait for hooks or health before the sync fails. */
  stepTimeoutMs?: number;
  now?: () => Date;
}

/** What an Application's plan needs to know about it. */
export function appTarget(app: Application): AppTarget {
  return {
    app: { name: app.metadata.name, namespace: app.metadata.namespace as string },
    targetNamespace: app.spec.targetNamespace,
    createNamespace: app.spec.syncPolicy?.syncOptions?.includes('CreateNamespace=true') ?? false,
  };
}

/**
 * Where and as whom an Application's objects are sent: its applier's identity, a Service
 * keeps the pod-template-hash a Rollout added to its live selector, and the fields
 * spec.ignoreDifferences names are left to whoever manages them live.
 */
export function syncTarget(opts: {
  api: ObjectApi;
  mapper: RestMapper;
  app: Application;
  defaultServiceAccount: string | undefined;
  /** The live Service an object would replace (from a cache in the controller, a GET in diff). */
  liveService: (o: DesiredObject) => Service | undefined;
  /** The live object, read only for objects spec.ignoreDifferences names. */
  liveObject: (o: DesiredObject, rt: ResourceType) => Promise<KubeObject | undefined>;
  /** Told when an object was re-created (the controller records a Normal event). */
  notify?: (reason: string, message: string) => void;
  /** Whether an object exists, from a cache of names (the controller's; none in diff). */
  absent?: Syncer['absent'];
}): Syncer {
  const rules = opts.app.spec.ignoreDifferences ?? [];
  return {
    api: opts.api,
    mapper: opts.mapper,
    impersonate: applierIdentity(opts.app, opts.defaultServiceAccount),
    finalise: async (o, rt) => {
      const object = keepRolloutHash(o, opts.liveService);
      const named = rulesFor(rules, o);
      if (named.length === 0) return object;
      const live = await opts.liveObject(o, rt);
      return leaveIgnored(object, live, ignoredPointers(named, live), FIELD_MANAGER);
    },
    ignored: (o, live) => ignoredPointers(rulesFor(rules, o), live),
    ...(opts.notify ? { notify: opts.notify } : {}),
    ...(opts.absent ? { absent: opts.absent } : {}),
  };
}

/**
 * plan: the rendered objects as they will be applied. Each kind's scope comes from
 * discovery (or a CRD in the same render); namespace and tracking labels are set and
 * duplicates refused.
 */
export async function plan(
  mapper: RestMapper,
  rendered: RenderedObject[],
  target: AppTarget,
): Promise<DesiredObject[]> {
  const scopes = new Map<string, ResourceType | undefined>();
  for (const r of rendered) {
    const { apiVersion, kind } = r.object as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
    const id = `${apiVersion}|${kind}`;
    if (!scopes.has(id)) scopes.set(id, await mapper.map(apiVersion, kind).catch(() => undefined));
  }
  return prepare(rendered, {
    app: target.app,
    targetNamespace: target.targetNamespace,
    scopeOf: (apiVersion, kind) => scopes.get(`${apiVersion}|${kind}`)?.namespaced,
  });
}

/**
 * The full sync of one revision: every stage but health, which follows the live objects.
 * Hooks and waves may make it wait: it then throws SyncWaiting with the operation's
 * progress in `input.operation`, and the next call continues from there.
 */
export async function sync(state: AppState, key: string, input: SyncInput, s: Syncer): Promise<DriftReport> {
  const now = input.now ?? (() => new Date());
  const op = input.operation ?? {
    revision: input.revision,
    startedAt: apiTime(now()),
    phase: 'Running',
    step: 0,
  };
  input.onStage?.('render');
  const { rendered, renderKey, inputs } = await renderSource(input.dir, input.path, input);
  const desired = await plan(s.mapper, rendered, input);
  const owned = appObjects(desired);
  const digest = desiredDigest(desired);
  const fresh = op.step === 0 && !op.stepStarted && !op.failing;
  if (
    fresh &&
    input.skipUnchanged &&
    (!input.prune || nothingToPrune(input.previous, owned)) &&
    state.takeUnchanged(key, digest, input.revision, { renderKey, inputs })
  ) {
    input.onStage?.('unchanged', { objects: owned.length });
    op.phase = 'Succeeded';
    return state.correctDrift(key, s);
  }
  // After the digest, which must not see the stamps: a new revision alone changes nothing.
  const stamps = await state.stampRevisions(key, s.mapper, desired, input.revision);
  if (fresh && input.createNamespace && input.targetNamespace) {
    if (await createNamespace(s, input.targetNamespace, input.app)) {
      s.notify?.('NamespaceCreated', `created namespace ${input.targetNamespace} (CreateNamespace=true)`);
    }
  }
  const creating = fresh && input.firstSync === true && (await createsOnly(s, desired, owned));
  if (fresh && !creating) {
    input.onStage?.('validate', { objects: owned.length });
    await validate(s, owned);
  }
  const responses = await runOperation({
    s,
    hooks: new HookObjects(s, (rt) => state.watch(rt)),
    desired: op.replay ? owned : desired,
    op,
    now,
    timeoutMs: input.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    onStep: (step, i) =>
      input.onStage?.('step', {
        step: i,
        phase: step.phase,
        wave: step.wave,
        objects: step.objects.length,
        hooks: step.hooks.length,
      }),
    onApply: (i, stage) => input.onStage?.('apply', { wave: i, objects: stage.length, creating }),
  }).catch(async (err: unknown) => {
    if (creating) await undoCreated(s, err);
    throw err;
  });
  await liveResponses(s, owned, responses);
  const applied = await state.track(key, s.mapper, owned, responses);
  if (input.prune) input.onStage?.('prune');
  const prunedIds = input.prune ? await pruneGone(s, state, input, owned, op, now) : [];
  const inventory = owned.map(inventoryEntry);
  state.remember(key, {
    revision: input.revision,
    objects: applied.objects,
    digest,
    inventory,
    renderKey,
    inputs,
    stamps,
  });
  return { changed: applied.changedIds.length, changedIds: applied.changedIds, prunedIds, inventory };
}

/**
 * prune: deletes what left git, except objects that opted out. `PruneLast=true` objects go
 * once everything applied is healthy; until then the operation waits, as a wave does.
 */
async function pruneGone(
  s: Syncer,
  state: AppState,
  input: SyncInput,
  owned: DesiredObject[],
  op: SyncOperation,
  now: () => Date,
): Promise<string[]> {
  const doomed = await pruneSet(s, input.previous, new Set(owned.map((o) => o.id)));
  const pruned = await prune(
    s,
    doomed.filter((d) => !d.last),
  );
  const last = doomed.filter((d) => d.last);
  if (last.length === 0) return pruned;
  const unhealthy = await firstUnhealthy(s, owned, (rt) => state.watch(rt));
  if (unhealthy) {
    const message = `waiting for ${unhealthy} before pruning ${last.map((d) => d.entry.id).join(', ')} (PruneLast=true)`;
    const timeoutMs = input.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    if (now().getTime() - Date.parse(op.startedAt) > timeoutMs) {
      op.phase = 'Failed';
      throw new SyncOperationFailed('SyncTimedOut', `timed out ${message}`);
    }
    op.phase = 'Running';
    throw new SyncWaiting(message);
  }
  return [...pruned, ...(await prune(s, last))];
}

/** Objects applied by an earlier reconcile of the same operation: their live state. */
async function liveResponses(
  s: Syncer,
  owned: DesiredObject[],
  responses: Map<string, KubeObject>,
): Promise<void> {
  const missing = owned.filter((o) => !responses.has(o.id) && o.options.apply !== 'never');
  await mapLimit(missing, CONCURRENCY, async (o) => {
    const rt = await s.mapper.map(o.apiVersion, o.kind);
    responses.set(o.id, await s.api.get<KubeObject>(rt, o.namespace, o.name));
  });
}

/** health: the worst health among the objects last applied, from their live state. */
export function health(state: AppState, key: string, inputs: HealthInputs) {
  return assessApplication(state.live(key), inputs);
}
