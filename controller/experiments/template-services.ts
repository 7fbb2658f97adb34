// The Service of an Experiment template that asks for one (`service`, as in Argo Rollouts):
// named `service.name` or like the template's ReplicaSet, selecting exactly that ReplicaSet's
// pods (its pod-template-hash), with a port for each container port. It is owned by the
// Experiment and deleted once the template's ReplicaSet is scaled to zero.

import type { Experiment, ExperimentTemplate } from '../api/experiment.ts';
import type { KubeObject } from '../kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../rollouts/labels.ts';
import {
  experimentOwnerRef,
  TemplateReferenceError,
  templateReplicaSetName,
} from './template-replica-sets.ts';

/** A template's `service` cannot be made; it ends the Experiment in Error like a bad analysis. */
export class TemplateServiceError extends TemplateReferenceError {
  override readonly name = 'TemplateServiceError';
}

interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort: number;
  protocol: string;
}

export interface TemplateService extends KubeObject {
  spec: { selector: Record<string, string>; ports: ServicePort[] };
}

export function templateServiceName(exp: Experiment, template: ExperimentTemplate): string | undefined {
  if (!template.service) return undefined;
  return template.service.name ?? templateReplicaSetName(exp, template.name);
}

/** The Service for a template whose ReplicaSet has the pod-template-hash `hash`. */
export function buildTemplateService(
  exp: Experiment,
  template: ExperimentTemplate,
  hash: string,
): TemplateService {
  const name = templateServiceName(exp, template) ?? '';
  const containers = (template.template.spec?.containers ?? []) as { ports?: ContainerPort[] }[];
  const ports = containers.flatMap((c) => c.ports ?? []);
  if (ports.length === 0) {
    throw new TemplateServiceError(
      `template "${template.name}": service needs at least one container port in the template to expose`,
    );
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: exp.metadata.namespace, ownerReferences: [experimentOwnerRef(exp)] },
    spec: {
      selector: { ...(template.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
      ports: ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.containerPort,
        targetPort: p.containerPort,
        protocol: p.protocol ?? 'TCP',
      })),
    },
  };
}
