import { type KubeObject, objectKey } from '../../kube/resources.ts';

/** Kinds of ours whose objects' children (AnalysisRuns, Experiments) go where they go. */
const OWNER_KINDS = new Set(['Rollout', 'Experiment']);

type OwnerLookup = (kind: string, namespace: string | undefined, name: string) => KubeObject | undefined;

/**
 * The key an object is sharded by: its own `namespace/name`, or that of the Rollout (or
 * standalone Experiment) at the top of its controlling owners, so a Rollout's AnalysisRuns and
 * Experiments, and an Experiment's AnalysisRuns, are reconciled by the replica that steps it.
 * An owner not in the cache yet stands for itself.
 */
export function shardKey(obj: KubeObject, owner: OwnerLookup): string {
  let current = obj;
  for (let depth = 0; depth < 4; depth++) {
    const ref = current.metadata.ownerReferences?.find(
      (r) => r.controller && OWNER_KINDS.has(r.kind) && r.apiVersion.startsWith('sluice.dev/'),
    );
    if (!ref) break;
    const next = owner(ref.kind, current.metadata.namespace, ref.name);
    if (!next || next.metadata.uid !== ref.uid)
      return objectKey({ metadata: { namespace: current.metadata.namespace, name: ref.name } });
    current = next;
  }
  return objectKey(current);
}
