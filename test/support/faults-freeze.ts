// Holding a reconcile just before its status write: an admission policy refuses status
// writes of labelled objects, so a SIGKILL lands after the reconcile's other writes and
// before its status every time, instead of by luck.

import { eventually, type TestCluster } from './cluster.ts';

const FREEZE_LABEL = 'faults.sluice.dev/freeze-status';

const policies = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  namespaced: false,
};
const bindings = {
  ...policies,
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
};

/**
 * A ValidatingAdmissionPolicy refusing status writes of sluice.dev objects (`plural`)
 * labelled FREEZE_LABEL in `ns`. It holds a reconcile between its other writes (a new
 * ReplicaSet, applied objects) and its status write, so a SIGKILL lands there every time
 * instead of by luck. Returns a remover.
 */
export async function freezeStatus(
  cluster: TestCluster,
  ns: string,
  plural: 'rollouts' | 'applications',
): Promise<() => Promise<void>> {
  const name = `faults-freeze-${plural}-${ns}`;
  await cluster.api.apply(policies, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['sluice.dev'],
            apiVersions: ['*'],
            operations: ['UPDATE'],
            resources: [`${plural}/status`],
          },
        ],
      },
      validations: [
        {
          expression: `!has(object.metadata.labels) || !('${FREEZE_LABEL}' in object.metadata.labels)`,
          message: 'status frozen by a fault test',
        },
      ],
    },
  });
  await cluster.api.apply(bindings, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
    },
  });
  return async () => {
    await cluster.api.delete(bindings, undefined, name).catch(() => {});
    await cluster.api.delete(policies, undefined, name).catch(() => {});
  };
}

/** Sets or clears FREEZE_LABEL on `target` (`rollout/web`); once set, waits until a status write is refused. */
export async function setFrozen(
  cluster: TestCluster,
  ns: string,
  target: string,
  frozen: boolean,
): Promise<void> {
  await cluster.kubectl(['-n', ns, 'label', target, frozen ? `${FREEZE_LABEL}=true` : `${FREEZE_LABEL}-`]);
  if (!frozen) return;
  await eventually(async () => {
    const refused = await cluster
      .kubectl([
        '-n',
        ns,
        'patch',
        target,
        '--subresource=status',
        '--type=merge',
        '--dry-run=server',
        '-p',
        // A field each kind's schema keeps, so the write is not a no-op.
        target.startsWith('rollout/')
          ? '{"status":{"message":"probe"}}'
          : '{"status":{"lastHandledReconcileAt":"probe"}}',
      ])
      .then(
        () => false,
        (err: Error) => err.message.includes('status frozen'),
      );
    if (!refused) throw new Error('the status freeze is not in force yet');
  }, 30_000);
}
