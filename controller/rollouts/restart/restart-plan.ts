// spec.restartAt (Argo Rollouts' pod restarts): once the time has come, every pod created
// before it is replaced, one at a time, without going through the canary or blue-green
// steps. The ReplicaSet brings up the replacement; the next pod goes only when that
// ReplicaSet is fully available again and none of its pods is already terminating.
// ReplicaSets are visited stable first, then new, then the others oldest first.
// An update in progress cancels the restart: its new pods are newer anyway.

interface RestartPod {
  name: string;
  createdAt: string;
  terminating: boolean;
}

export interface RestartReplicaSet {
  name: string;
  /** spec.replicas equals status.availableReplicas. */
  fullyAvailable: boolean;
  pods: RestartPod[];
}

export interface RestartInput {
  restartAt: string | undefined;
  restartedAt: string | undefined;
  now: Date;
  /** A new pod template is being rolled out (the new ReplicaSet is not the stable one). */
  midUpdate: boolean;
  /** In the order they are restarted. */
  replicaSets: RestartReplicaSet[];
}

export type RestartPlan =
  | { action: 'none' }
  /** restartAt is in the future: look again then. */
  | { action: 'later'; afterMs: number }
  /**
   * Every pod is newer than restartAt and every ReplicaSet fully available again, or an
   * update cancelled the restart: set status.restartedAt.
   */
  | { action: 'done'; cancelled: boolean }
  | { action: 'evict'; pod: string; replicaSet: string }
  /** A ReplicaSet is replacing a pod: wait for it. */
  | { action: 'wait'; replicaSet: string };

/** Whether restartAt asks for pods to be restarted at all, without reading any pod. */
export function restartPending(restartAt: string | undefined, restartedAt: string | undefined): boolean {
  if (!restartAt) return false;
  return !restartedAt || Date.parse(restartedAt) < Date.parse(restartAt);
}

export function planRestart(input: RestartInput): RestartPlan {
  const { restartAt, restartedAt, now } = input;
  if (!restartAt || !restartPending(restartAt, restartedAt)) return { action: 'none' };
  const at = Date.parse(restartAt);
  if (at > now.getTime()) return { action: 'later', afterMs: at - now.getTime() };
  if (input.midUpdate) return { action: 'done', cancelled: true };
  for (const rs of input.replicaSets) {
    const old = rs.pods.filter((p) => !p.terminating && Date.parse(p.createdAt) < at);
    if (old.length === 0) continue;
    if (!rs.fullyAvailable || rs.pods.some((p) => p.terminating)) {
      return { action: 'wait', replicaSet: rs.name };
    }
    const oldest = [...old].sort(
      (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt),
    )[0] as RestartPod;
    return { action: 'evict', pod: oldest.name, replicaSet: rs.name };
  }
  // Done once the last replacement is up too: "restarted" means serving again.
  const settling = input.replicaSets.find((rs) => !rs.fullyAvailable || rs.pods.some((p) => p.terminating));
  if (settling) return { action: 'wait', replicaSet: settling.name };
  return { action: 'done', cancelled: false };
}
