// The I/O half of an Application's deletion: read what its inventory lists as it is now,
// which namespaces are going, and send the deletions the plan chose.

import type { InventoryEntry } from '../../api/application.ts';
import { core, type KubeObject } from '../../kube/resources.ts';
import { mapLimit, settleLimit } from '../concurrency.ts';
import { parseInventoryId } from '../manifest.ts';
import { UnknownKindError } from '../rest-mapper.ts';
import { CONCURRENCY, type Syncer } from '../sync.ts';
import type { InventoryObject } from './deletion-plan.ts';

/** Each inventory entry with its live object; a kind no longer served has none left. */
export function readInventory(s: Syncer, entries: InventoryEntry[]): Promise<InventoryObject[]> {
  return mapLimit(entries, CONCURRENCY, async (entry) => {
    const ref = parseInventoryId(entry);
    const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
    const base = { id: entry.id, apiVersion, kind: ref.kind, name: ref.name, namespace: ref.namespace };
    try {
      const rt = await s.mapper.map(apiVersion, ref.kind);
      return { ...base, live: await s.api.getOrUndefined<KubeObject>(rt, ref.namespace, ref.name) };
    } catch (err) {
      if (err instanceof UnknownKindError) return { ...base, live: undefined };
      throw err;
    }
  });
}

/** Which of `namespaces` are being deleted (or are gone). */
export async function terminatingNamespaces(s: Syncer, namespaces: Iterable<string>): Promise<Set<string>> {
  const names = [...new Set(namespaces)];
  const states = await mapLimit(names, CONCURRENCY, async (name) => {
    const ns = await s.api.getOrUndefined<KubeObject>(core.namespaces, undefined, name);
    return !ns || ns.metadata.deletionTimestamp !== undefined;
  });
  return new Set(names.filter((_, i) => states[i]));
}

export interface DeletionFailure {
  object: InventoryObject;
  error: Error;
}

/**
 * Sends the deletions batch after batch, as the Application's applier. `foreground` keeps
 * an owner until its dependents are gone (a Rollout until its ReplicaSets), so waiting for
 * the owner waits for them too. Every failure is returned, naming its object.
 */
export async function deleteBatches(
  s: Syncer,
  batches: InventoryObject[][],
  foreground: boolean,
): Promise<DeletionFailure[]> {
  const failures: DeletionFailure[] = [];
  for (const batch of batches) {
    const results = await settleLimit(batch, CONCURRENCY, async (o) => {
      const rt = await s.mapper.map(o.apiVersion, o.kind);
      return s.api.delete(rt, o.namespace, o.name, {
        propagationPolicy: foreground ? 'Foreground' : 'Background',
        ...(s.impersonate ? { impersonate: s.impersonate } : {}),
      });
    });
    for (const r of results) if (!r.ok) failures.push({ object: r.item, error: r.error as Error });
  }
  return failures;
}
