// An Application's health from its live objects: custom expressions first, then each
// kind's rule, reading a workload's pods only when it is not yet available.

import { assessHealth } from '../health.ts';
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

async function assessLive(item: LiveObject, inputs: HealthInputs): Promise<ObjectHealth> {
  if (!item.synced) return { status: 'Unknown', message: 'cache not synced' };
  const o = item.object;
  const custom = o && !o.metadata?.deletionTimestamp ? inputs.custom?.assess(o) : undefined;
  if (custom) return custom;
  const counted = assessHealth(o);
  if (!o?.kind || counted.status !== 'Progressing' || !POD_OWNER_KINDS.has(o.kind)) return counted;
  // The pods are a refinement: when they cannot be read (RBAC trimmed, API server busy)
  // the workload's own status still holds.
  const pods = await workloadPods(o, inputs.pods).catch(() => undefined);
  return pods ? assessHealth(o, pods) : counted;
}

export async function assessAll(
  items: readonly LiveObject[],
  inputs: HealthInputs,
): Promise<{ id: string; health: ObjectHealth }[]> {
  return Promise.all(items.map(async (item) => ({ id: item.id, health: await assessLive(item, inputs) })));
}
