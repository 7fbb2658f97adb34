// promote, abort, retry, undo, pause and resume of a Rollout: read it, decide the patches
// (rollout-patches.ts), and write them guarded by resourceVersion so a decision is never made
// on a Rollout the controller changed meanwhile (a conflict re-reads and decides again).

import { type Rollout, rolloutResource } from '../../controller/api/rollout.ts';
import { isConflict } from '../../controller/kube/api-errors.ts';
import { core } from '../../controller/kube/resources.ts';
import { isOwnedBy } from '../../controller/rollouts/owner.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { createMergePatch } from '../../controller/runtime/merge-patch.ts';
import { CliError, EXIT_OK, UsageError } from '../cli-errors.ts';
import { formatData, type Io } from '../io.ts';
import type { Options } from '../options.ts';
import type { Session } from '../session.ts';
import {
  type ImageAssignment,
  PAST_TENSE,
  type Patch,
  type RolloutOp,
  restartPatches,
  rolloutPatches,
  setImagePatches,
  undoTemplate,
} from './rollout-patches.ts';

const ATTEMPTS = 5;

/** `promote web`, `promote rollout web` and `promote rollout/web` all name the Rollout web. */
export function rolloutName(args: string[], command: string): string {
  const rest =
    ['rollout', 'rollouts', 'ro'].includes(args[0] ?? '') && args.length > 1 ? args.slice(1) : args;
  if (rest.length === 0) throw new UsageError(`${command} needs the name of a Rollout`);
  if (rest.length > 1) throw new UsageError(`${command} takes one Rollout, got: ${rest.join(' ')}`);
  return (rest[0] as string).replace(/^(rollouts?|ro)(\.sluice\.dev)?\//, '');
}

/** What a command changes besides the plain operations: `set image` and `restart`. */
export type RolloutEdit = { op: 'set-image'; images: ImageAssignment[] } | { op: 'restart'; now: Date };

async function decide(
  op: RolloutOp | 'undo' | RolloutEdit,
  ro: Rollout,
  session: Session,
  toRevision: number | undefined,
): Promise<{ patches: Patch[]; detail: string }> {
  if (typeof op === 'object') {
    return op.op === 'restart'
      ? { patches: restartPatches(op.now), detail: '' }
      : { patches: setImagePatches(ro, op.images), detail: '' };
  }
  if (op !== 'undo') return { patches: rolloutPatches(ro, op), detail: '' };
  const list = await session.api.list<ReplicaSet>(core.replicaSets, session.namespace);
  const { revision, template } = undoTemplate(
    ro,
    list.items.filter((rs) => isOwnedBy(rs, ro)),
    toRevision,
  );
  const change = createMergePatch(ro.spec.template ?? {}, template);
  if (change === undefined) {
    throw new CliError(`rollout ${ro.metadata.name} already runs the template of revision ${revision}`);
  }
  return {
    patches: [{ target: 'spec', body: { spec: { template: change } } }],
    detail: ` to revision ${revision}`,
  };
}

/**
 * Decides and writes one operation on the Rollout `name`; shared by the commands and the
 * dashboard, so both send the same patches. Returns the Rollout as written and what was done.
 */
export async function applyRolloutOp(
  op: RolloutOp | 'undo' | RolloutEdit,
  name: string,
  session: Session,
  toRevision?: number,
): Promise<{ rollout: Rollout | undefined; message: string }> {
  const { api, namespace } = session;
  let result: Rollout | undefined;
  let detail = '';
  for (let attempt = 1; ; attempt++) {
    const ro = await api.get<Rollout>(rolloutResource, namespace, name);
    const decision = await decide(op, ro, session, toRevision);
    detail = decision.detail;
    let resourceVersion = ro.metadata.resourceVersion;
    try {
      for (const patch of decision.patches) {
        const body = { ...patch.body, metadata: { resourceVersion } };
        const sub = patch.target === 'status' ? 'status' : undefined;
        result = await api.mergePatch<Rollout>(rolloutResource, namespace, name, body, sub);
        resourceVersion = result.metadata.resourceVersion;
      }
      break;
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
  const message = `rollout.sluice.dev/${name} ${PAST_TENSE[typeof op === 'object' ? op.op : op]}${detail}`;
  return { rollout: result, message };
}

export async function runRolloutOp(
  op: RolloutOp | 'undo' | RolloutEdit,
  name: string,
  session: Session,
  options: Options,
  io: Io,
): Promise<number> {
  const { rollout, message } = await applyRolloutOp(op, name, session, options.toRevision);
  if (options.output && rollout) io.stdout.write(formatData(rollout, options.output));
  else io.stdout.write(`${message}\n`);
  return EXIT_OK;
}
