import { core, type KubeObject } from '../kube/resources.ts';
import { APP_NAME_LABEL, APP_NAMESPACE_LABEL } from './manifest.ts';
import type { Syncer } from './sync.ts';

/**
 * Argo CD's `CreateNamespace=true`: the target namespace is created when missing, as the
 * applier (so an account that may not create namespaces cannot through this), labelled
 * with its Application. It is not in the inventory, so it is never pruned; one that
 * exists already is left as it is.
 */
export async function createNamespace(
  s: Syncer,
  name: string,
  app: { name: string; namespace: string },
): Promise<boolean> {
  if (await s.api.getOrUndefined(core.namespaces, undefined, name)) return false;
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [APP_NAME_LABEL]: app.name, [APP_NAMESPACE_LABEL]: app.namespace } },
  };
  await s.api.apply(core.namespaces, namespace, { impersonate: s.impersonate });
  return true;
}
