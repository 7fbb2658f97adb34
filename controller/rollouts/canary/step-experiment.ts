// The Experiment a canary `experiment` step runs, as Argo Rollouts' GetExperimentFromTemplate
// builds it: each template runs the stable or the canary version (`specRef`) with the step's
// labels and annotations added, and the analyses' `podTemplateHashValue` and `fieldRef`
// arguments are resolved from the Rollout, so an analysis can compare the baseline's pods with
// the canary's (or use `{{templates.<name>.podTemplateHash}}` for the Experiment's own pods).

import { fieldValue } from '../../analysis/create-run.ts';
import type { Argument } from '../../api/analysis.ts';
import type { Experiment, ExperimentTemplate } from '../../api/experiment.ts';
import { API_VERSION } from '../../api/meta.ts';
import type { Rollout, RolloutExperimentStep, RolloutExperimentTemplate } from '../../api/rollout.ts';
import { withoutHash } from '../../experiments/template-replica-sets.ts';
import { POD_TEMPLATE_HASH_LABEL, ROLLOUT_REVISION_ANNOTATION, STEP_INDEX_LABEL } from '../labels.ts';
import { controllerRef } from '../owner.ts';
import type { ReplicaSet } from '../replica-sets.ts';

/** A step cannot be made into an Experiment until a person changes it. */
export class ExperimentStepError extends Error {
  override readonly name = 'ExperimentStepError';
}

interface StepExperimentInput {
  rollout: Rollout;
  step: RolloutExperimentStep;
  stepIndex: number;
  name: string;
  newRS: ReplicaSet | undefined;
  stableRS: ReplicaSet | undefined;
  newHash: string;
  stableHash: string | undefined;
  revision: string | undefined;
}

export function buildStepExperiment(input: StepExperimentInput): Experiment {
  const { rollout, step } = input;
  const labels = { [POD_TEMPLATE_HASH_LABEL]: input.newHash, [STEP_INDEX_LABEL]: String(input.stepIndex) };
  return {
    apiVersion: API_VERSION,
    kind: 'Experiment',
    metadata: {
      name: input.name,
      namespace: rollout.metadata.namespace,
      labels,
      ...(input.revision ? { annotations: { [ROLLOUT_REVISION_ANNOTATION]: input.revision } } : {}),
      ownerReferences: [controllerRef(rollout)],
    },
    spec: {
      ...(step.duration ? { duration: step.duration } : {}),
      ...(rollout.spec.progressDeadlineSeconds
        ? { progressDeadlineSeconds: rollout.spec.progressDeadlineSeconds }
        : {}),
      templates: step.templates.map((t) => experimentTemplate(t, input)),
      ...(step.analyses && step.analyses.length > 0
        ? {
            analyses: step.analyses.map((a) => ({
              name: a.name,
              templateName: a.templateName,
              ...(a.clusterScope ? { clusterScope: true } : {}),
              ...(a.requiredForCompletion ? { requiredForCompletion: true } : {}),
              ...(a.args ? { args: a.args.map((arg) => resolveArg(arg, input, a.name)) } : {}),
            })),
          }
        : {}),
    },
  };
}

function experimentTemplate(t: RolloutExperimentTemplate, input: StepExperimentInput): ExperimentTemplate {
  const source = t.specRef === 'canary' ? input.newRS : input.stableRS;
  const template =
    source?.spec.template ?? (t.specRef === 'canary' ? input.rollout.spec.template : undefined);
  const selector = t.selector ?? source?.spec.selector ?? input.rollout.spec.selector;
  if (template === undefined || selector === undefined) {
    throw new ExperimentStepError(`template "${t.name}": there is no ${t.specRef} version yet`);
  }
  const clean = withoutHash({ template, selector });
  const extra = t.metadata?.labels ?? {};
  const pod = clean.template;
  pod.metadata = {
    ...(pod.metadata ?? {}),
    labels: { ...(pod.metadata?.labels ?? {}), ...extra },
    ...(t.metadata?.annotations || pod.metadata?.annotations
      ? { annotations: { ...(pod.metadata?.annotations ?? {}), ...(t.metadata?.annotations ?? {}) } }
      : {}),
  };
  return {
    name: t.name,
    replicas: t.replicas ?? 1,
    ...(source?.spec.minReadySeconds ? { minReadySeconds: source.spec.minReadySeconds } : {}),
    selector: { ...clean.selector, matchLabels: { ...(clean.selector.matchLabels ?? {}), ...extra } },
    template: pod,
  };
}

/** podTemplateHashValue and fieldRef become values now; a secretKeyRef stays a reference. */
function resolveArg(arg: Argument, input: StepExperimentInput, analysis: string): Argument {
  const from = arg.valueFrom;
  if (from?.podTemplateHashValue !== undefined) {
    const hash = from.podTemplateHashValue === 'Stable' ? input.stableHash : input.newHash;
    if (!hash) {
      throw new ExperimentStepError(
        `analysis "${analysis}" argument "${arg.name}": there is no stable pod-template-hash yet`,
      );
    }
    return { name: arg.name, value: hash };
  }
  if (from?.fieldRef !== undefined) {
    const value = fieldValue(input.rollout, from.fieldRef.fieldPath);
    if (value === undefined) {
      throw new ExperimentStepError(
        `analysis "${analysis}" argument "${arg.name}": field ${from.fieldRef.fieldPath} is not set`,
      );
    }
    return { name: arg.name, value };
  }
  return structuredClone(arg);
}
