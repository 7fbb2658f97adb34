// Pods, autoscalers, disruption budgets, ingress, services, claims: one rule each.

import { condition, degraded, healthy, num, type Obj, type ObjectHealth, progressing } from './object.ts';
import { describeFault, podFault } from './pod-faults.ts';

export function podHealth(o: Obj): ObjectHealth {
  const phase = o.status?.phase;
  if (phase === 'Succeeded') return healthy('completed');
  if (phase === 'Failed') return degraded(String(o.status?.message ?? o.status?.reason ?? 'pod failed'));
  const fault = podFault([o]);
  if (fault) return degraded(describeFault(fault));
  return condition(o, 'Ready')?.status === 'True'
    ? healthy('ready')
    : progressing(`phase ${String(phase ?? 'Pending')}`);
}

/**
 * Degraded when the autoscaler cannot read its metrics or change the scale (ScalingActive
 * or AbleToScale False for a failure); `ScalingDisabled` (scaled to zero by hand) is not one.
 */
export function hpaHealth(o: Obj): ObjectHealth {
  const able = condition(o, 'AbleToScale');
  if (able?.status === 'False')
    return degraded(`${able.reason ?? 'AbleToScale'}: ${able.message ?? ''}`.trim());
  const active = condition(o, 'ScalingActive');
  if (active?.status === 'False' && active.reason !== 'ScalingDisabled')
    return degraded(`${active.reason ?? 'ScalingActive'}: ${active.message ?? ''}`.trim());
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
