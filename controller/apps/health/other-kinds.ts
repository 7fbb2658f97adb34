// Pods, autoscalers, disruption budgets, ingress, services, claims: one rule each.

import { condition, degraded, healthy, num, type Obj, type ObjectHealth, progressing } from './object.ts';
import { describeFault, podFault } from './pod-faults.ts';

/**
 * A bare pod. Its container faults count only with restartPolicy Always, as in Argo CD: a
 * hook pod (Never, OnFailure) that waits on an image may still run, and failing the hook
 * early would run it after the sync.
 */
export function podHealth(o: Obj): ObjectHealth {
  const phase = o.status?.phase;
  if (phase === 'Succeeded') return healthy('completed');
  if (phase === 'Failed') return degraded(String(o.status?.message ?? failedContainer(o) ?? 'pod failed'));
  const restarts = (o.spec?.restartPolicy as string | undefined) ?? 'Always';
  const fault = restarts === 'Always' ? podFault([o]) : undefined;
  if (fault) return degraded(describeFault(fault));
  return condition(o, 'Ready')?.status === 'True'
    ? healthy('ready')
    : progressing(`phase ${String(phase ?? 'Pending')}`);
}

/** `container "migrate" failed with exit code 1`, for a failed pod that says nothing itself. */
function failedContainer(o: Obj): string | undefined {
  type Terminated = {
    name?: string;
    state?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
  };
  const all = [o.status?.initContainerStatuses, o.status?.containerStatuses].flatMap((s) =>
    Array.isArray(s) ? (s as Terminated[]) : [],
  );
  for (const c of all) {
    const t = c.state?.terminated;
    if (t?.message) return t.message;
    if (t?.reason === 'OOMKilled') return `container "${c.name}" was OOMKilled`;
    if (t?.exitCode) return `container "${c.name}" failed with exit code ${t.exitCode}`;
  }
  return undefined;
}

/**
 * Degraded when the autoscaler cannot read its metrics or change the scale: ScalingActive or
 * AbleToScale False for a `Failed…` or `Invalid…` reason (Argo CD's list, generalised). Other
 * False reasons are normal: `Backoff…` inside a stabilisation window, `ScalingDisabled`.
 */
export function hpaHealth(o: Obj): ObjectHealth {
  const able = condition(o, 'AbleToScale');
  const active = condition(o, 'ScalingActive');
  for (const c of [able, active]) {
    if (c?.status === 'False' && /^(Failed|Invalid)/.test(c.reason ?? ''))
      return degraded(`${c.reason}: ${c.message ?? ''}`.trim());
  }
  if (!able && !active) return progressing('waiting for the autoscaler');
  const limited = condition(o, 'ScalingLimited');
  return healthy(limited?.status === 'True' ? `scaling limited: ${limited.message ?? ''}`.trim() : 'scaling');
}

export function pdbHealth(o: Obj): ObjectHealth {
  if (o.status?.desiredHealthy === undefined) return progressing('waiting for the disruption controller');
  const current = num(o.status?.currentHealthy);
  const desired = num(o.status?.desiredHealthy);
  return current >= desired
    ? healthy(`${current} healthy, ${desired} required`)
    : degraded(`${current} healthy pods, ${desired} required`);
}

/** Ingresses and LoadBalancer Services are ready once they have an address. */
function loadBalanced(o: Obj): boolean {
  const ingress = (o.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
  return (ingress?.length ?? 0) > 0;
}

export function ingressHealth(o: Obj): ObjectHealth {
  return loadBalanced(o)
    ? healthy('load balancer ready')
    : progressing('waiting for a load balancer address');
}

export function serviceHealth(o: Obj): ObjectHealth {
  if (o.spec?.type !== 'LoadBalancer') return healthy('service');
  return loadBalanced(o)
    ? healthy('load balancer ready')
    : progressing('waiting for a load balancer address');
}

export function pvcHealth(o: Obj): ObjectHealth {
  return o.status?.phase === 'Bound'
    ? healthy('bound')
    : progressing(`phase ${String(o.status?.phase ?? 'Pending')}`);
}
