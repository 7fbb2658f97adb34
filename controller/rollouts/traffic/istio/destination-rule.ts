// Istio subset-level splitting: the DestinationRule's canary and stable subsets select pods by
// their rollouts-pod-template-hash, kept in step with the canary and stable hashes (Argo
// Rollouts' UpdateHash). Other subsets and labels are left as the user wrote them.

import type { IstioDestinationRule } from '../../../api/rollout.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../../labels.ts';
import { type PodHashes, TrafficRouterError } from '../router.ts';
import type { JsonPatchOp } from '../weighted-backends.ts';

export const destinationRules: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'DestinationRule',
  plural: 'destinationrules',
  namespaced: true,
};

export interface DestinationRule extends KubeObject {
  spec?: { host?: string; subsets?: { name?: string; labels?: Record<string, string> }[] };
}

/** JSON pointer escaping of one path segment (RFC 6901). */
const segment = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The patch that gives the canary and stable subsets the hash label of their pods, or removes
 * it when there is no such hash; each change is guarded by a `test` of the subset's name. Empty
 * when the subsets already say so; a TrafficRouterError when either subset is missing.
 */
export function subsetLabelPatch(
  dr: DestinationRule,
  rule: IstioDestinationRule,
  hashes: PodHashes,
): JsonPatchOp[] {
  const subsets = dr.spec?.subsets ?? [];
  const ops: JsonPatchOp[] = [];
  for (const [name, hash] of [
    [rule.canarySubsetName, hashes.canary],
    [rule.stableSubsetName, hashes.stable],
  ] as const) {
    const i = subsets.findIndex((s) => s.name === name);
    if (i < 0) {
      throw new TrafficRouterError(
        'DestinationRuleSubsetNotFound',
        `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name} has no subset named ${name}`,
      );
    }
    const labels = subsets[i]?.labels;
    const pointer = `/spec/subsets/${i}/labels`;
    if (labels?.[POD_TEMPLATE_HASH_LABEL] === hash) continue;
    ops.push({ op: 'test', path: `/spec/subsets/${i}/name`, value: name });
    if (!hash) ops.push({ op: 'remove', path: `${pointer}/${segment(POD_TEMPLATE_HASH_LABEL)}` });
    else if (!labels) ops.push({ op: 'add', path: pointer, value: { [POD_TEMPLATE_HASH_LABEL]: hash } });
    else ops.push({ op: 'add', path: `${pointer}/${segment(POD_TEMPLATE_HASH_LABEL)}`, value: hash });
  }
  return ops;
}

/** Whether the canary and stable subsets select the pods of these hashes. */
export function subsetsInStep(dr: DestinationRule, rule: IstioDestinationRule, hashes: PodHashes): boolean {
  const label = (name: string) =>
    dr.spec?.subsets?.find((s) => s.name === name)?.labels?.[POD_TEMPLATE_HASH_LABEL];
  return label(rule.canarySubsetName) === hashes.canary && label(rule.stableSubsetName) === hashes.stable;
}
