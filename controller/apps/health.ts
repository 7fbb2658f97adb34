import type { HealthStatus } from '../api/application.ts';
import { CONDITION_READY, CONDITION_STALLED } from '../api/meta.ts';

export interface ObjectHealth {
  status: HealthStatus;
  message: string;
}

type Obj = {
  kind?: string;
  metadata?: { generation?: number; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

interface Cond {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const num = (v: unknown, dflt = 0): number => (typeof v === 'number' ? v : dflt);

function conditions(o: Obj): Cond[] {
  const c = o.status?.conditions;
  return Array.isArray(c) ? (c as Cond[]) : [];
}

function observed(o: Obj): boolean {
  const gen = o.metadata?.generation;
  const seen = o.status?.observedGeneration;
  return gen === undefined || typeof seen !== 'number' || seen >= gen;
}

/** Health of one live object, as a person deploying it would judge it. */
export function assessHealth(o: Obj | undefined): ObjectHealth {
  if (!o) return { status: 'Missing', message: 'not found in the cluster' };
  if (o.metadata?.deletionTimestamp) return { status: 'Progressing', message: 'being deleted' };
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return workloadHealth(o);
    case 'DaemonSet': {
      if (!observed(o))
        return { status: 'Progressing', message: 'waiting for the controller to observe the change' };
      const want = num(o.status?.desiredNumberScheduled);
      const updated = num(o.status?.updatedNumberScheduled);
      const ready = num(o.status?.numberAvailable);
      return updated >= want && ready >= want
        ? { status: 'Healthy', message: `${ready}/${want} available` }
        : { status: 'Progressing', message: `${ready}/${want} available, ${updated} updated` };
    }
    case 'Pod': {
      const phase = o.status?.phase;
      if (phase === 'Succeeded') return { status: 'Healthy', message: 'completed' };
      if (phase === 'Failed')
        return { status: 'Degraded', message: String(o.status?.message ?? 'pod failed') };
      const ready = conditions(o).find((c) => c.type === 'Ready')?.status === 'True';
      return ready
        ? { status: 'Healthy', message: 'ready' }
        : { status: 'Progressing', message: `phase ${String(phase ?? 'Pending')}` };
    }
    case 'Job': {
      const c = conditions(o);
      if (c.some((x) => x.type === 'Failed' && x.status === 'True')) {
        return { status: 'Degraded', message: c.find((x) => x.type === 'Failed')?.message ?? 'job failed' };
      }
      if (c.some((x) => x.type === 'Complete' && x.status === 'True'))
        return { status: 'Healthy', message: 'complete' };
      return { status: 'Progressing', message: 'running' };
    }
    case 'PersistentVolumeClaim':
      return o.status?.phase === 'Bound'
        ? { status: 'Healthy', message: 'bound' }
        : { status: 'Progressing', message: `phase ${String(o.status?.phase ?? 'Pending')}` };
    case 'Service':
      return serviceHealth(o);
    case 'Rollout':
      return rolloutHealth(o);
    default:
      return readyConditionHealth(o);
  }
}

function workloadHealth(o: Obj): ObjectHealth {
  if (!observed(o))
    return { status: 'Progressing', message: 'waiting for the controller to observe the change' };
  const c = conditions(o);
  const progressing = c.find((x) => x.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: progressing.message ?? 'progress deadline exceeded' };
  }
  const want = num(o.spec?.replicas, 1);
  const updated = num(o.status?.updatedReplicas, o.kind === 'ReplicaSet' ? num(o.status?.replicas) : 0);
  const available = num(
    o.status?.availableReplicas,
    o.kind === 'StatefulSet' ? num(o.status?.readyReplicas) : 0,
  );
  const total = num(o.status?.replicas);
  if (updated < want) return { status: 'Progressing', message: `${updated}/${want} replicas updated` };
  if (total > updated)
    return { status: 'Progressing', message: `${total - updated} old replicas pending termination` };
  if (available < want) return { status: 'Progressing', message: `${available}/${want} replicas available` };
  return { status: 'Healthy', message: `${available}/${want} replicas available` };
}

function serviceHealth(o: Obj): ObjectHealth {
  if (o.spec?.type !== 'LoadBalancer') return { status: 'Healthy', message: 'service' };
  const ingress = (o.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
  return ingress?.length
    ? { status: 'Healthy', message: 'load balancer ready' }
    : { status: 'Progressing', message: 'waiting for a load balancer address' };
}

function rolloutHealth(o: Obj): ObjectHealth {
  if (!observed(o)) return { status: 'Progressing', message: 'waiting for the rollout controller' };
  const phase = String(o.status?.phase ?? '');
  const message = String(o.status?.message ?? '');
  if (phase === 'Healthy') return { status: 'Healthy', message: message || 'rollout complete' };
  if (phase === 'Degraded') return { status: 'Degraded', message: message || 'rollout aborted' };
  return { status: 'Progressing', message: message || `rollout ${phase || 'starting'}` };
}

function readyConditionHealth(o: Obj): ObjectHealth {
  const ready = conditions(o).find((c) => c.type === CONDITION_READY);
  if (!ready) return { status: 'Healthy', message: 'exists' };
  if (ready.status === 'True') return { status: 'Healthy', message: ready.message || 'ready' };
  const stalled = conditions(o).find((c) => c.type === CONDITION_STALLED && c.status === 'True');
  if (stalled) return { status: 'Degraded', message: stalled.message || 'stalled' };
  return { status: 'Progressing', message: ready.message || 'not ready' };
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
