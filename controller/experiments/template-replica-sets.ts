// The ReplicaSet each Experiment template runs as, and the template facts analyses refer to.
// A template's pod-template-hash is salted with the Experiment and template names, so the pods of
// an Experiment are never selected by a Rollout's Services (which select by the hash of the
// Rollout's own ReplicaSets), and each Experiment's ReplicaSets are its own.

import type { Argument } from '../api/analysis.ts';
import type { Experiment, ExperimentTemplate, TemplateStatus } from '../api/experiment.ts';
import { experimentResource } from '../api/experiment.ts';
import type { OwnerReference } from '../api/meta.ts';
import type { LabelSelector, PodTemplateSpec } from '../api/rollout.ts';
import { podTemplateHash } from '../rollouts/hash.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../rollouts/labels.ts';
import type { ReplicaSet } from '../rollouts/replica-sets.ts';

/** On an Experiment's ReplicaSets and pods: which template they run. */
const EXPERIMENT_TEMPLATE_LABEL = 'sluice.dev/experiment-template';

export function experimentOwnerRef(exp: Experiment): OwnerReference {
  return {
    apiVersion: `${experimentResource.group}/${experimentResource.version}`,
    kind: experimentResource.kind,
    name: exp.metadata.name,
    uid: exp.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function templateReplicaSetName(exp: Experiment, template: string): string {
  return `${exp.metadata.name}-${template}`;
}

/** The template and selector as written, without any pod-template-hash they were copied with. */
export function withoutHash(template: Pick<ExperimentTemplate, 'template' | 'selector'>): {
  template: PodTemplateSpec;
  selector: LabelSelector;
} {
  const pod = structuredClone(template.template ?? {});
  if (pod.metadata?.labels) delete pod.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  const selector = structuredClone(template.selector ?? {});
  if (selector.matchLabels) delete selector.matchLabels[POD_TEMPLATE_HASH_LABEL];
  return { template: pod, selector };
}

export function templateHash(exp: Experiment, template: ExperimentTemplate): string {
  return podTemplateHash({
    experiment: exp.metadata.name,
    name: template.name,
    template: withoutHash(template).template,
  });
}

export function buildTemplateReplicaSet(exp: Experiment, template: ExperimentTemplate): ReplicaSet {
  const hash = templateHash(exp, template);
  const clean = withoutHash(template);
  const labels = {
    ...(clean.template.metadata?.labels ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: hash,
    [EXPERIMENT_TEMPLATE_LABEL]: template.name,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: templateReplicaSetName(exp, template.name),
      namespace: exp.metadata.namespace,
      labels,
      ownerReferences: [experimentOwnerRef(exp)],
    },
    spec: {
      replicas: template.replicas ?? 1,
      ...(template.minReadySeconds ? { minReadySeconds: template.minReadySeconds } : {}),
      selector: {
        ...clean.selector,
        matchLabels: { ...(clean.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
      },
      template: { ...clean.template, metadata: { ...(clean.template.metadata ?? {}), labels } },
    },
  };
}

/** A template reference in an argument cannot be resolved. */
export class TemplateReferenceError extends Error {
  override readonly name: string = 'TemplateReferenceError';
}

const TEMPLATE_REF = /\{\{\s*templates\.([^.}\s]+)\.(podTemplateHash|replicaset\.name)\s*\}\}/g;

/**
 * Fills `{{templates.<name>.podTemplateHash}}` and `{{templates.<name>.replicaset.name}}` in
 * argument values (Argo's ResolveExperimentArgsValue), from the templates' status.
 */
export function resolveTemplateRefs(
  exp: Experiment,
  args: readonly Argument[],
  statuses: readonly TemplateStatus[],
): Argument[] {
  return args.map((arg) => {
    if (arg.value === undefined) return structuredClone(arg);
    const value = arg.value.replace(TEMPLATE_REF, (_all, name: string, field: string) => {
      const status = statuses.find((s) => s.name === name);
      if (!exp.spec.templates.some((t) => t.name === name)) {
        throw new TemplateReferenceError(
          `argument "${arg.name}" refers to template "${name}", which the Experiment does not have`,
        );
      }
      if (field === 'replicaset.name') return templateReplicaSetName(exp, name);
      if (status?.podTemplateHash === undefined) {
        throw new TemplateReferenceError(`argument "${arg.name}": template "${name}" has no ReplicaSet yet`);
      }
      return status.podTemplateHash;
    });
    return { name: arg.name, value };
  });
}
