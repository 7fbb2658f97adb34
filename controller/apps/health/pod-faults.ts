// A container that will not come up without a person: the kubelet says so in the pod's
// container statuses long before a Deployment's progress deadline (ten minutes by default).

import type { Obj } from './object.ts';

/** Waiting reasons that do not clear by themselves (Argo CD and kstatus read the same ones). */
const FAULT_REASONS = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'OOMKilled',
] as const;
type FaultReason = (typeof FAULT_REASONS)[number];

interface PodFault {
  pod: string;
  container: string;
  reason: FaultReason;
  message: string | undefined;
}

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}

const isFault = (reason: string | undefined): reason is FaultReason =>
  (FAULT_REASONS as readonly (string | undefined)[]).includes(reason);

function statuses(pod: Obj, field: 'initContainerStatuses' | 'containerStatuses'): ContainerStatus[] {
  const s = pod.status?.[field];
  return Array.isArray(s) ? (s as ContainerStatus[]) : [];
}

/** The fault of one container, if it has one: waiting on it now, or just OOM-killed. */
function containerFault(
  c: ContainerStatus,
): { reason: FaultReason; message: string | undefined } | undefined {
  const waiting = c.state?.waiting;
  // A container that was OOM-killed and now waits to restart reads CrashLoopBackOff; the
  // kill is the more useful reason to name.
  const lastKill = c.lastState?.terminated?.reason === 'OOMKilled' ? c.lastState.terminated : undefined;
  if (isFault(waiting?.reason)) {
    if (waiting.reason === 'CrashLoopBackOff' && lastKill)
      return { reason: 'OOMKilled', message: lastKill.message || waiting.message };
    return { reason: waiting.reason, message: waiting.message };
  }
  const terminated = c.state?.terminated;
  if (terminated?.reason === 'OOMKilled') return { reason: 'OOMKilled', message: terminated.message };
  if (lastKill && c.ready !== true) return { reason: 'OOMKilled', message: lastKill.message };
  return undefined;
}

/** The first container fault among `pods` (init containers first), or undefined. */
export function podFault(pods: readonly Obj[]): PodFault | undefined {
  const sorted = [...pods].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const pod of sorted) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const c of [...statuses(pod, 'initContainerStatuses'), ...statuses(pod, 'containerStatuses')]) {
      const fault = containerFault(c);
      if (fault) return { pod: pod.metadata?.name ?? '', container: c.name ?? '', ...fault };
    }
  }
  return undefined;
}

/** `pod web-1 container app: CrashLoopBackOff (back-off 5m0s restarting failed container)` */
export function describeFault(f: PodFault): string {
  return `pod ${f.pod} container ${f.container}: ${f.reason}${f.message ? ` (${f.message})` : ''}`;
}
