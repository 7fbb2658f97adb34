// The health of one live object, and of an Application as the worst of its objects. Each
// kind's rule lives in health/; this file only picks one.

import type { HealthStatus } from '../api/application.ts';
import { CONDITION_READY, CONDITION_STALLED } from '../api/meta.ts';
import { cronJobHealth, jobHealth } from './health/batch.ts';
import { conditions, degraded, healthy, type Obj, type ObjectHealth, progressing } from './health/object.ts';
import {
  hpaHealth,
  ingressHealth,
  pdbHealth,
  podHealth,
  pvcHealth,
  serviceHealth,
} from './health/other-kinds.ts';
import { POD_OWNER_KINDS, workloadHealth } from './health/workloads.ts';

export type { ObjectHealth } from './health/object.ts';

/**
 * Health of one live object, as a person deploying it would judge it. `pods`, when given,
 * are a workload's pods: a container that cannot start makes it Degraded at once.
 */
export function assessHealth(o: Obj | undefined, pods?: readonly Obj[]): ObjectHealth {
  if (!o) return { status: 'Missing', message: 'not found in the cluster' };
  if (o.metadata?.deletionTimestamp) return progressing('being deleted');
  if (o.kind && POD_OWNER_KINDS.has(o.kind)) return workloadHealth(o, pods);
  switch (o.kind) {
    case 'Pod':
      return podHealth(o);
    case 'Job':
      return jobHealth(o);
    case 'CronJob':
      return cronJobHealth(o);
    case 'HorizontalPodAutoscaler':
      return hpaHealth(o);
    case 'PodDisruptionBudget':
      return pdbHealth(o);
    case 'Ingress':
      return ingressHealth(o);
    case 'PersistentVolumeClaim':
      return pvcHealth(o);
    case 'Service':
      return serviceHealth(o);
    default:
      return readyConditionHealth(o);
  }
}

/** Custom resources: kstatus's Ready and Stalled conditions, when they have them. */
function readyConditionHealth(o: Obj): ObjectHealth {
  const ready = conditions(o).find((c) => c.type === CONDITION_READY);
  if (!ready) return healthy('exists');
  if (ready.status === 'True') return healthy(ready.message || 'ready');
  const stalled = conditions(o).find((c) => c.type === CONDITION_STALLED && c.status === 'True');
  if (stalled) return degraded(stalled.message || 'stalled');
  return progressing(ready.message || 'not ready');
}

const ORDER: Record<HealthStatus, number> = {
  Healthy: 0,
  Unknown: 1,
  Progressing: 2,
  Missing: 3,
  Degraded: 4,
};

/** The application's health is its worst object's. */
export function aggregateHealth(items: { id: string; health: ObjectHealth }[]): ObjectHealth {
  let worst: { id: string; health: ObjectHealth } | undefined;
  for (const item of items) {
    if (!worst || ORDER[item.health.status] > ORDER[worst.health.status]) worst = item;
  }
  if (!worst || worst.health.status === 'Healthy')
    return { status: 'Healthy', message: `${items.length} objects healthy` };
  return { status: worst.health.status, message: `${describeId(worst.id)}: ${worst.health.message}` };
}

function describeId(id: string): string {
  const [ns, name, , kind] = id.split('_');
  return `${kind} ${ns ? `${ns}/` : ''}${name}`;
}
