import { isNotFound } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';

/**
 * The data (base64, as stored) of a source's spec.secretRef. A missing Secret needs a person;
 * it is looked at again soon, since creating it does not wake the source.
 */
export async function sourceSecretData(
  api: ObjectApi,
  namespace: string | undefined,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    return (await api.get<KubeObject & { data?: Record<string, string> }>(core.secrets, namespace, name))
      .data;
  } catch (err) {
    if (isNotFound(err)) {
      throw new StallingError('AuthenticationFailed', `Secret ${namespace}/${name} not found`, {
        cause: err,
        retryAfterMs: 30_000,
      });
    }
    throw err;
  }
}
