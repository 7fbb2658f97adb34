// An Application's health from its live objects: custom expressions first, then each
// kind's rule, reading a workload's pods only when it is not yet available.

import { aggregateHealth, assessHealth } from '../health.ts';
import type { CustomHealth } from './custom.ts';
import type { Obj, ObjectHealth } from './object.ts';
import { type PodLister, workloadPods } from './pod-reader.ts';
import { POD_OWNER_KINDS } from './workloads.ts';

export interface LiveObject {
  id: string;
  /** False until the kind's cache has its first list: absence then means nothing. */
  synced: boolean;
  object: Obj | undefined;
}

export interface HealthInputs {
  pods: PodLister;
  custom?: CustomHealth | undefined;
}

interface Assessed {
  id: string;
  health: ObjectHealth;
  /** A workload still Progressing whose pods were read: they may yet turn faulty. */
  podsPending: boolean;
}

async function assessLive(item: LiveObject, inputs: HealthInputs): Promise<Assessed> {
  const done = (health: ObjectHealth, podsPending = false) => ({ id: item.id, health, podsPending });
  if (!item.synced) return done({ status: 'Unknown', message: 'cache not synced' });
  const o = item.object;
  const custom = o && !o.metadata?.deletionTimestamp ? inputs.custom?.assess(o) : undefined;
  if (custom) return done(custom);
  const counted = assessHealth(o);
  if (!o?.kind || counted.status !== 'Progressing' || !POD_OWNER_KINDS.has(o.kind)) return done(counted);
  // The pods are a refinement: when they cannot be read (RBAC trimmed, API server busy)
  // the workload's own status still holds.
  const pods = await workloadPods(o, inputs.pods).catch(() => undefined);
  if (!pods) return done(counted);
  const health = assessHealth(o, pods);
  return done(health, health.status === 'Progressing');
}

/**
 * The Application's health: its worst object's, and whether a Progressing workload's pods
 * should be looked at again soon (no watch would say when one of them starts failing).
 */
export async function assessApplication(
  items: readonly LiveObject[],
  inputs: HealthInputs,
): Promise<ObjectHealth & { podsPending: boolean }> {
  const assessed = await Promise.all(items.map((item) => assessLive(item, inputs)));
  return { ...aggregateHealth(assessed), podsPending: assessed.some((a) => a.podsPending) };
}
