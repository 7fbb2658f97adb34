// The actions of `kubectl sluice dashboard`: the same patches the commands send, with the
// user's own credentials. The controller's read-only dashboard has none.

import { requestReconcile } from '../ops/reconcile-command.ts';
import { applyRolloutOp } from '../ops/rollout-command.ts';
import type { Session } from '../session.ts';
import { ROLLOUT_ACTIONS, type RolloutAction } from './model.ts';
import type { ActionHandler } from './server.ts';

export function sessionActions(session: Session): ActionHandler {
  return async (what, ns, name, action) => {
    const inNs = { ...session, namespace: ns };
    if (what === 'rollouts' && (ROLLOUT_ACTIONS as readonly string[]).includes(action)) {
      const { message } = await applyRolloutOp(action as RolloutAction, name, inNs);
      return { message };
    }
    if ((what === 'applications' || what === 'sources') && action === 'reconcile') {
      await requestReconcile(inNs, what === 'sources' ? 'source' : 'app', ns, name);
      return { message: `reconcile of ${name} requested` };
    }
    return undefined;
  };
}
