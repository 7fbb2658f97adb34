// An Application's first sync, when none of its objects exists yet, creates them without a
// server-side dry-run of each first. The dry-run is there so that a bad commit cannot leave
// the cluster half-changed; when every object is new there is nothing to half-change, and a
// refused object has the ones created before it deleted again, so the cluster is as it was.
// The dry-runs are half of the API server's requests for a first sync (README: Throughput),
// which is what thousands of Applications created at once wait on.

import { FIELD_MANAGER } from '../kube/objects.ts';
import type { KubeObject } from '../kube/resources.ts';
import { settleLimit } from './concurrency.ts';
import { syncSteps } from './hooks/sync-steps.ts';
import type { DesiredObject } from './manifest.ts';
import { CONCURRENCY, describeObject, SyncError, type Syncer } from './sync.ts';

/**
 * Whether a first sync may create without dry-runs: one step with no hooks (nothing runs or
 * waits between creations, so all of them can be taken back), every kind already served (no
 * CRD in the same commit), and no object there, whoever made it.
 */
export async function createsOnly(
  s: Syncer,
  desired: DesiredObject[],
  owned: DesiredObject[],
): Promise<boolean> {
  const absent = s.absent;
  if (!absent) return false;
  const steps = syncSteps(desired);
  if (steps.length !== 1 || (steps[0]?.hooks.length ?? 0) > 0 || syncSteps(desired, true).length > 0)
    return false;
  for (const o of owned) {
    if (o.options.apply === 'never') continue;
    const rt = await s.mapper.map(o.apiVersion, o.kind).catch(() => undefined);
    if (!rt || !(await absent(rt, o.namespace, o.name))) return false;
  }
  return true;
}

/**
 * After a creating first sync failed: deletes what it had created (each by its uid, so an
 * object made again since is left alone) and says so in the error, which is then thrown as it
 * was. What cannot be deleted stays, carrying our labels: the next sync, a careful one, adopts it.
 */
export async function undoCreated(s: Syncer, err: unknown): Promise<void> {
  if (!(err instanceof SyncError) || err.written.length === 0) return;
  // One made by someone else a moment before (not yet in the names cache) is left alone.
  const created = err.written.filter(({ live }) => onlyOurs(live));
  const results = await settleLimit(created, CONCURRENCY, async ({ object, live }) => {
    const rt = await s.mapper.map(object.apiVersion, object.kind);
    await s.api.delete(rt, object.namespace, object.name, {
      impersonate: s.impersonate,
      uid: live.metadata.uid,
    });
  });
  const left = results.flatMap((r) => (r.ok ? [] : [describeObject(r.item.object)]));
  const notes = [
    left.length === 0
      ? `the ${plural(created.length, 'object')} this first sync had created ${created.length === 1 ? 'was' : 'were'} deleted again`
      : `deleting what this first sync had created failed for ${left.join(', ')}`,
  ];
  const found = err.written.filter((w) => !created.includes(w)).map((w) => describeObject(w.object));
  if (found.length > 0) notes.push(`${found.join(', ')}: made by another manager just before, left in place`);
  err.message += `; ${notes.join('; ')}`;
}

/** Whether the API server's answer shows no field manager but ours: then we created it. */
function onlyOurs(live: KubeObject): boolean {
  const managers = (live.metadata as { managedFields?: { manager?: string }[] }).managedFields ?? [];
  return managers.length > 0 && managers.every((m) => m.manager === FIELD_MANAGER);
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
