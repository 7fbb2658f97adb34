// spec.workloadRef: the pod template and selector come from an existing Deployment, which the
// Rollout then replaces (Argo Rollouts' migration path). The Deployment is scaled down as
// spec.workloadRef.scaleDown says: never (default), once the Rollout is healthy (onsuccess), or
// step by step as Rollout pods become available (progressively).

import type { Rollout, WorkloadScaleDown } from '../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../api/rollout.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import type { RolloutSync } from './rollout-sync.ts';

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector?: NonNullable<Rollout['spec']['selector']>;
    template?: Rollout['spec']['template'];
  };
}

/** The Rollout as if its spec named the Deployment's template and selector itself. */
export function withWorkload(ro: Rollout, dep: Deployment): Rollout {
  return { ...ro, spec: { ...ro.spec, template: dep.spec.template, selector: dep.spec.selector } };
}

/** The Deployment's replica count now, or undefined to leave it alone. */
export function deploymentReplicas(input: {
  mode: WorkloadScaleDown | undefined;
  rolloutReplicas: number;
  rolloutAvailable: number;
  healthy: boolean;
  current: number;
}): number | undefined {
  const mode = input.mode ?? ROLLOUT_DEFAULTS.workloadRefScaleDown;
  let want: number | undefined;
  if (mode === 'onsuccess' && input.healthy) want = 0;
  if (mode === 'progressively') want = Math.max(0, input.rolloutReplicas - input.rolloutAvailable);
  // Only ever down: the Deployment is on its way out.
  return want !== undefined && want < input.current ? want : undefined;
}

/** Records the Deployment generation read and scales the Deployment down as spec.workloadRef.scaleDown says. */
export async function reconcileWorkload(sync: RolloutSync, dep: Deployment): Promise<void> {
  sync.status.workloadObservedGeneration = dep.metadata.generation;
  const want = deploymentReplicas({
    mode: sync.ro.spec.workloadRef?.scaleDown,
    rolloutReplicas: sync.ro.spec.replicas ?? ROLLOUT_DEFAULTS.replicas,
    rolloutAvailable: sync.status.availableReplicas ?? 0,
    healthy: sync.status.phase === 'Healthy',
    current: dep.spec.replicas ?? 1,
  });
  if (want === undefined) return;
  await sync.api.mergePatch(core.deployments, dep.metadata.namespace, dep.metadata.name, {
    spec: { replicas: want },
  });
  sync.event(
    'Normal',
    'ScalingDeployment',
    `Scaled down Deployment ${dep.metadata.name} from ${dep.spec.replicas ?? 1} to ${want}`,
  );
}
