// What deleting an Application does to the objects in its inventory, decided from the
// policy and the objects as they are now. Nothing here remembers an earlier pass: each
// pass plans again from the inventory (kept in status until the finalizer goes) and the
// live objects, so a controller restarted half-way simply goes on.

import type { DeletionPolicy } from '../../api/application.ts';
import type { KubeObject } from '../../kube/resources.ts';
import { syncRole } from '../hooks/hook-annotations.ts';

/** One inventory entry and its live object (undefined once gone). */
export interface InventoryObject {
  id: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  live: KubeObject | undefined;
}

export interface DeletionPlanInput {
  policy: DeletionPolicy;
  prune: boolean;
  /** Why an object must stay whatever the policy (an annotation), or undefined. */
  keepReason: (live: KubeObject) => string | undefined;
  /** Namespaces being deleted: their objects go with them, nobody waits for them. */
  terminatingNamespaces: ReadonlySet<string>;
  /** The Application's own namespace is being deleted: never hold it up by waiting. */
  appNamespaceTerminating: boolean;
}

export interface DeletionPlan {
  /** Whether the policy deletes the inventory at all (false: everything is orphaned). */
  deletes: boolean;
  /** Objects left in place, and why. */
  kept: { object: InventoryObject; reason: string }[];
  /**
   * Deletions to send now, in batches sent one after the other: the highest wave first and,
   * within a wave, namespaced objects, then cluster-scoped ones, CRDs, Namespaces.
   */
  toDelete: InventoryObject[][];
  /** Deleted, not gone yet. */
  terminating: InventoryObject[];
  /** Left to a namespace being deleted. */
  toNamespace: InventoryObject[];
  /** The finalizer stays until the objects planned for now and those terminating are gone. */
  wait: boolean;
}

/** `Kind/name`, with the namespace when it is not the Application's. */
export function describeInventoryObject(o: InventoryObject, appNamespace: string): string {
  return o.namespace && o.namespace !== appNamespace
    ? `${o.kind}/${o.name} (namespace ${o.namespace})`
    : `${o.kind}/${o.name}`;
}

/** Whether the policy deletes what the Application applied. */
function policyDeletes(policy: DeletionPolicy, prune: boolean): boolean {
  if (policy === 'Orphan') return false;
  if (policy === 'MirrorPrune') return prune;
  return true;
}

export function planDeletion(objects: InventoryObject[], input: DeletionPlanInput): DeletionPlan {
  const plan: DeletionPlan = {
    deletes: policyDeletes(input.policy, input.prune),
    kept: [],
    toDelete: [],
    terminating: [],
    toNamespace: [],
    wait: false,
  };
  if (!plan.deletes) return plan;
  const remaining: InventoryObject[] = [];
  for (const o of objects) {
    if (!o.live) continue;
    if (o.namespace && input.terminatingNamespaces.has(o.namespace)) {
      plan.toNamespace.push(o);
      continue;
    }
    const reason = input.keepReason(o.live);
    if (reason !== undefined) plan.kept.push({ object: o, reason });
    else remaining.push(o);
  }
  const waitForTermination = input.policy === 'WaitForTermination' && !input.appNamespaceTerminating;
  const ordered = [...remaining].sort(deletionOrder);
  // WaitForTermination goes wave by wave: a lower wave is deleted only once every object of
  // the higher ones is gone. The other policies send every deletion now and wait for none.
  const top = ordered[0];
  const current = waitForTermination && top ? ordered.filter((o) => waveOf(o) === waveOf(top)) : ordered;
  plan.toDelete = batches(current.filter((o) => !o.live?.metadata.deletionTimestamp));
  plan.terminating = current.filter((o) => o.live?.metadata.deletionTimestamp);
  plan.wait = waitForTermination && top !== undefined;
  return plan;
}

/** Consecutive objects of one wave and rank go in one batch. */
function batches(ordered: InventoryObject[]): InventoryObject[][] {
  const out: InventoryObject[][] = [];
  let key: string | undefined;
  for (const o of ordered) {
    const k = `${waveOf(o)}:${rank(o)}`;
    if (k === key) out.at(-1)?.push(o);
    else out.push([o]);
    key = k;
  }
  return out;
}

/** The object's sync wave as its live annotations say; an unreadable one counts as 0. */
function waveOf(o: InventoryObject): number {
  try {
    return syncRole(o.live?.metadata.annotations).wave;
  } catch {
    return 0;
  }
}

/** Within a wave, the reverse of apply order: namespaced objects, cluster-scoped, CRDs, Namespaces. */
function rank(o: InventoryObject): number {
  if (o.kind === 'Namespace') return 3;
  if (o.kind === 'CustomResourceDefinition') return 2;
  return o.namespace ? 0 : 1;
}

function deletionOrder(a: InventoryObject, b: InventoryObject): number {
  return waveOf(b) - waveOf(a) || rank(a) - rank(b) || a.id.localeCompare(b.id);
}
