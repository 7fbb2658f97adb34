// Where a workload's pods come from. Pods are not labelled by us, so the tracking-label
// watches of managed-objects.ts do not see them, and a pod informer would cache every pod
// of every namespace an Application writes to: at 1,000 Applications that is most of the
// cluster's pods in memory and a watch event for each probe flap. Instead a workload's pods
// are listed by its own selector, only while it is not yet available (a healthy workload
// costs nothing), served from the API server's watch cache (resourceVersion "0": no etcd
// read). The reconciler looks again soon while something is Progressing, since a pod
// turning to CrashLoopBackOff changes nothing the workload watches see.

import type { LabelSelector } from '../../api/rollout.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { core, type KubeObject } from '../../kube/resources.ts';
import { formatSelector } from '../../rollouts/validate.ts';
import type { Obj } from './object.ts';

/** The pods in `namespace` matching `selector` (a formatted label selector). */
export type PodLister = (namespace: string, selector: string) => Promise<Obj[]>;

export function listPods(api: ObjectApi): PodLister {
  return async (namespace, selector) => {
    const list = await api.list<KubeObject>(core.pods, namespace, {
      labelSelector: selector,
      resourceVersion: '0',
    });
    return list.items as Obj[];
  };
}

/**
 * The pods a workload controls: those its selector matches, and whose controller is the
 * workload itself (StatefulSet, DaemonSet, ReplicaSet) or one of its ReplicaSets
 * (Deployment, Rollout). Undefined when the workload has no usable selector.
 */
export async function workloadPods(o: Obj, list: PodLister): Promise<Obj[] | undefined> {
  const selector = o.spec?.selector as LabelSelector | undefined;
  const text = formatSelector(selector);
  const ns = o.metadata?.namespace;
  if (!text || !ns) return undefined;
  const viaReplicaSets = o.kind === 'Deployment' || o.kind === 'Rollout';
  return (await list(ns, text)).filter((pod) => {
    const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
    if (!owner) return false;
    return viaReplicaSets ? owner.kind === 'ReplicaSet' : owner.uid === o.metadata?.uid;
  });
}
