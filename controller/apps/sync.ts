import type { InventoryEntry } from '../api/application.ts';
import { isNotFound, KubeApiError } from '../kube/api-errors.ts';
import type { Impersonation } from '../kube/client.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { AnnotationError } from './annotation-error.ts';
import { mapLimit, type Settled, settleLimit } from './concurrency.ts';
import { type DesiredObject, parseInventoryId, stages } from './manifest.ts';
import { objectOptions } from './object-options.ts';
import type { RestMapper } from './rest-mapper.ts';
import { immutableField, immutableMessage, type Sender, send } from './send.ts';

/** Requests in flight per sync (and per `kubectl sluice diff`). */
export const CONCURRENCY = 16;
const CRD_ESTABLISH_TIMEOUT_MS = 60_000;

export class SyncError extends Error {
  override readonly name = 'SyncError';
  /** True when the API server refused what we sent (needs a fix in git), false for outages. */
  readonly invalid: boolean;
  /** What an apply had written before it failed, and the API server's answers (first-sync.ts takes it back). */
  readonly written: Written[];

  constructor(message: string, invalid: boolean, options?: ErrorOptions & { written?: Written[] }) {
    super(message, options);
    this.invalid = invalid;
    this.written = options?.written ?? [];
  }
}

interface Written {
  object: DesiredObject;
  live: KubeObject;
}

export interface Syncer extends Sender {
  api: ObjectApi;
  mapper: RestMapper;
  impersonate: Impersonation | undefined;
  /** Last adjustments to an object before it is sent (fields another controller owns). */
  finalise?: (o: DesiredObject, rt: ResourceType) => Promise<KubeObject>;
  /** Fields of an object that are not drift (spec.ignoreDifferences), given its live state. */
  ignored?: (o: DesiredObject, live: KubeObject) => string[];
  /** True when no such object exists, whoever made it; unset or false when that is not known. */
  absent?: (rt: ResourceType, namespace: string | undefined, name: string) => Promise<boolean>;
}

function outgoing(s: Syncer, o: DesiredObject, rt: ResourceType): Promise<KubeObject> {
  return s.finalise ? s.finalise(o, rt) : Promise.resolve(o.object);
}

export function describeObject(o: DesiredObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (${o.source})`;
}

/**
 * The API server refused the object itself, so only a new commit can fix it. Server-side
 * apply answers a field of the wrong type with a 500 ("failed to create typed patch
 * object"), which is the manifest's fault, not an outage.
 */
function refused(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  if ([400, 403, 404, 422].includes(err.code)) return true;
  return err.code === 500 && err.message.includes('failed to create typed patch object');
}

/** Why the API server refused an object; an immutable field says how to allow re-creating it. */
function reason(err: unknown): string {
  const field = immutableField(err);
  return field === undefined ? (err as Error).message : immutableMessage(field);
}

function failure(
  results: { item: DesiredObject; ok: false; error: unknown }[],
  verb: string,
  written: Written[] = [],
): SyncError {
  const lines = results.slice(0, 5).map((r) => `${describeObject(r.item)}: ${reason(r.error)}`);
  const more = results.length > 5 ? `; and ${results.length - 5} more` : '';
  const invalid = results.every((r) => refused(r.error));
  return new SyncError(`${verb} failed: ${lines.join('; ')}${more}`, invalid, {
    cause: results[0]?.error,
    written,
  });
}

/** One object's server-side dry-run: what was sent, and what the API server answered. */
export type DryRun = { object: DesiredObject; sent: KubeObject } & (
  | { outcome: 'accepted'; result: KubeObject }
  | { outcome: 'refused'; error: unknown }
  /** Its kind is not served yet: its CRD arrives in the same commit. */
  | { outcome: 'unchecked' }
);

/**
 * Sends every object as a server-side dry-run, as the sync would send it (same identity,
 * same last adjustments). Validation judges the answers; `kubectl sluice diff` shows them.
 */
export async function dryRun(s: Syncer, objects: DesiredObject[]): Promise<DryRun[]> {
  return mapLimit(objects, CONCURRENCY, async (o): Promise<DryRun> => {
    const rt = await s.mapper.map(o.apiVersion, o.kind).catch(() => undefined);
    const sent = rt ? await outgoing(s, o, rt) : o.object;
    // Never sent (ssa: Ignore, reconcile: disabled) or asked not to be validated: not checked.
    if (!rt || o.options.apply === 'never' || !o.options.validate)
      return { object: o, sent, outcome: 'unchecked' };
    try {
      const result = await s.api.apply<KubeObject>(rt, sent, { dryRun: true, impersonate: s.impersonate });
      return { object: o, sent, outcome: 'accepted', result };
    } catch (error) {
      return { object: o, sent, outcome: 'refused', error };
    }
  });
}

/**
 * Server-side dry-run of everything before anything is written, so a bad commit leaves
 * the cluster as it was. Objects of kinds whose CRD arrives in the same commit cannot be
 * dry-run yet; they are checked when applied, after their CRD.
 */
export async function validate(s: Syncer, objects: DesiredObject[]): Promise<void> {
  // Namespaces first, so dry-runs of objects in a new namespace can be judged.
  const missingNamespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.name));
  const failed = (await dryRun(s, objects))
    .filter((r) => r.outcome === 'refused')
    .filter((r) => !(r.object.namespace && missingNamespaces.has(r.object.namespace) && isNotFound(r.error)))
    // An immutable field of an object that asked to be re-created: the apply will do that.
    .filter((r) => !(r.object.options.recreate && immutableField(r.error) !== undefined))
    .map((r) => ({ item: r.object, ok: false as const, error: r.error }));
  if (failed.length > 0) throw failure(failed, 'validation');
}

/** Applies in order (waves, then Namespaces, CRDs, cluster-scoped, namespaced); returns responses by id. */
export async function apply(
  s: Syncer,
  objects: DesiredObject[],
  onStage?: (index: number, stage: DesiredObject[]) => void,
): Promise<Map<string, KubeObject>> {
  const applied = new Map<string, KubeObject>();
  const written: Written[] = [];
  for (const [index, stage] of stages(objects).entries()) {
    onStage?.(index, stage);
    const results = await settleLimit(stage, CONCURRENCY, async (o) => {
      const rt = await s.mapper.map(o.apiVersion, o.kind);
      return send(s, rt, o, await outgoing(s, o, rt));
    });
    for (const r of results) {
      if (!r.ok || !r.value) continue;
      applied.set(r.item.id, r.value);
      written.push({ object: r.item, live: r.value });
    }
    const failed = results.filter((r) => !r.ok) as { item: DesiredObject; ok: false; error: unknown }[];
    if (failed.length > 0) throw failure(failed, 'apply', written);
    const crds = stage.filter((o) => o.kind === 'CustomResourceDefinition');
    if (crds.length > 0) {
      await waitEstablished(s, crds);
      s.mapper.invalidate();
    }
  }
  return applied;
}

async function waitEstablished(s: Syncer, crds: DesiredObject[]): Promise<void> {
  const rt = await s.mapper.map('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  const deadline = Date.now() + CRD_ESTABLISH_TIMEOUT_MS;
  for (const crd of crds) {
    for (;;) {
      const live = await s.api.get<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(rt, undefined, crd.name);
      if (live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new SyncError(`CRD ${crd.name} was not established in time`, false);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** An object the sync would delete: gone from git, still live, not opted out. */
export interface Prunable {
  entry: InventoryEntry;
  rt: ResourceType;
  live: KubeObject;
  /** `PruneLast=true`: deleted once every wave is healthy. */
  last: boolean;
  /** `compare-options: IgnoreExtraneous`: deleted all the same, but no difference to report. */
  ignoreExtraneous: boolean;
}

/**
 * Whether a live object opted out of pruning (`Prune=false`, Flux's or our `prune:
 * disabled`). Annotations that cannot be read keep it: deleting what may have asked to be
 * kept is the one mistake that cannot be undone.
 */
function pruneOptions(live: KubeObject): { keep: boolean; last: boolean; ignoreExtraneous: boolean } {
  try {
    const o = objectOptions(live.metadata.annotations);
    return { keep: o.keepOnPrune, last: o.pruneLast, ignoreExtraneous: o.ignoreExtraneous };
  } catch (err) {
    if (err instanceof AnnotationError) return { keep: true, last: false, ignoreExtraneous: false };
    throw err;
  }
}

/**
 * What pruning would delete: what the previous inventory had and the new one does not, never
 * an object already gone or opted out of pruning.
 */
export async function pruneSet(
  s: Syncer,
  previous: InventoryEntry[],
  keep: Set<string>,
): Promise<Prunable[]> {
  const gone = previous.filter((e) => !keep.has(e.id));
  const results = await settleLimit(gone, CONCURRENCY, async (entry) => {
    const ref = parseInventoryId(entry);
    const rt = await s.mapper.map(ref.group ? `${ref.group}/${ref.version}` : ref.version, ref.kind);
    const live = await s.api.getOrUndefined(rt, ref.namespace, ref.name);
    if (!live) return undefined;
    const { keep, last, ignoreExtraneous } = pruneOptions(live);
    return keep ? undefined : { entry, rt, live, last, ignoreExtraneous };
  });
  const failed = firstFailure(results);
  if (failed) throw pruneFailure(failed.item, failed.error);
  return results.flatMap((r) => (r.ok && r.value ? [r.value] : []));
}

/** Deletes what a prune set holds; returns the ids deleted. */
export async function prune(s: Syncer, doomed: Prunable[]): Promise<string[]> {
  const results = await settleLimit(doomed, CONCURRENCY, ({ rt, live }) =>
    s.api.delete(rt, live.metadata.namespace, live.metadata.name, {
      ...(s.impersonate ? { impersonate: s.impersonate } : {}),
    }),
  );
  const failed = firstFailure(results);
  if (failed) throw pruneFailure(failed.item.entry, failed.error);
  return results.filter((r) => r.ok && r.value).map((r) => r.item.entry.id);
}

function firstFailure<T, R>(results: Settled<T, R>[]): { item: T; error: unknown } | undefined {
  for (const r of results) if (!r.ok) return r;
  return undefined;
}

function pruneFailure(entry: InventoryEntry, error: unknown): SyncError {
  return new SyncError(`prune of ${entry.id} failed: ${(error as Error).message}`, false, { cause: error });
}
