import type { Application } from '../api/application.ts';
import type { Impersonation } from '../kube/client.ts';

/**
 * The ServiceAccount an Application applies as: its own spec.serviceAccountName, in its
 * namespace; else the default, `NAME` (in the Application's namespace) or `NAMESPACE/NAME`
 * (one account for all, e.g. sluice-system/sluice-applier); else none (the controller).
 */
export function applierAccount(
  app: Application,
  defaultAccount: string | undefined,
): { namespace: string; name: string } | undefined {
  const ns = app.metadata.namespace as string;
  if (app.spec.serviceAccountName) return { namespace: ns, name: app.spec.serviceAccountName };
  if (!defaultAccount) return undefined;
  const i = defaultAccount.indexOf('/');
  return i < 0
    ? { namespace: ns, name: defaultAccount }
    : { namespace: defaultAccount.slice(0, i), name: defaultAccount.slice(i + 1) };
}

/**
 * Whom a sync's requests impersonate. The user only: for a ServiceAccount the API server adds
 * its groups itself, while naming groups would need `impersonate` on groups, a grant that
 * reaches system:masters.
 */
export function applierIdentity(
  app: Application,
  defaultAccount: string | undefined,
): Impersonation | undefined {
  const sa = applierAccount(app, defaultAccount);
  return sa ? { user: `system:serviceaccount:${sa.namespace}:${sa.name}` } : undefined;
}
