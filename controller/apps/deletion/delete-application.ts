// An Application being deleted: what its deletionPolicy does to what it applied, told in
// status and events at every step. The inventory stays in status until the finalizer goes,
// so each pass plans again from it and the live objects: a controller killed half-way
// finishes the deletion after its restart.

import type { Application, ApplicationStatus, DeletionStatus } from '../../api/application.ts';
import type { KubeObject } from '../../kube/resources.ts';
import type { Logger } from '../../observability/logger.ts';
import { findCondition, markReconciling, READY, setCondition } from '../../runtime/conditions.ts';
import { type EventRecorder, recordOnChange } from '../../runtime/events.ts';
import { TransientError } from '../../runtime/reconcile-errors.ts';
import type { Syncer } from '../sync.ts';
import { describeInventoryObject, type InventoryObject, planDeletion } from './deletion-plan.ts';
import {
  type DeletionFailure,
  deleteBatches,
  readInventory,
  terminatingNamespaces,
} from './inventory-objects.ts';

/** Status lists name at most this many objects; the message gives the counts. */
const LISTED = 50;
const REASON = 'Deleting';

export interface DeletionInput {
  app: Application;
  /** The status being written; `deletion` and the conditions are set here. */
  status: ApplicationStatus;
  syncer: Syncer;
  events: Pick<EventRecorder, 'record'>;
  keepReason: (live: KubeObject) => string | undefined;
  log: Logger;
  now: Date;
}

/**
 * One pass of the deletion. Returns true when the finalizer may go: what the policy deletes
 * is deleted (and, for WaitForTermination, gone). Throws a transient failure naming each
 * object the API server refused to delete, so the pass is retried with backoff; in a
 * namespace being deleted the failure is reported and the finalizer goes anyway, because
 * holding it would hang the namespace.
 */
export async function deleteApplication(input: DeletionInput): Promise<boolean> {
  const { app, status, syncer, events, log } = input;
  const appNamespace = app.metadata.namespace as string;
  const policy = app.spec.deletionPolicy ?? 'MirrorPrune';
  const first = status.deletion === undefined;
  const objects = await readInventory(syncer, status.inventory?.entries ?? []);
  const namespaces = objects.flatMap((o) => (o.namespace ? [o.namespace] : []));
  const terminating = await terminatingNamespaces(syncer, [appNamespace, ...namespaces]);
  const plan = planDeletion(objects, {
    policy,
    prune: app.spec.prune,
    keepReason: input.keepReason,
    terminatingNamespaces: terminating,
    appNamespaceTerminating: terminating.has(appNamespace),
  });
  const name = (o: InventoryObject) => describeInventoryObject(o, appNamespace);
  const live = objects.filter((o) => o.live);

  if (!plan.deletes) {
    const message = `orphaning ${live.length} objects (policy ${policy}${policy === 'MirrorPrune' ? ', prune off' : ''})`;
    status.deletion = { policy, kept: capped(live.map((o) => `${name(o)}: ${policy}`)), message };
    events.record(app, 'Normal', 'Orphaned', message);
    log.info({ policy, objects: live.length }, 'deletion: orphaning');
    return true;
  }

  if (first) {
    for (const { object, reason } of plan.kept)
      events.record(app, 'Normal', 'Kept', `kept ${name(object)}: ${reason}`);
  }
  const sending = plan.toDelete.flat();
  if (sending.length > 0) {
    events.record(app, 'Normal', REASON, `deleting ${sending.length} objects (policy ${policy})`);
    log.info({ policy, objects: sending.map((o) => o.id) }, 'deletion: deleting');
  }
  const failures = await deleteBatches(syncer, plan.toDelete, policy === 'WaitForTermination');
  const previous = status.deletion;
  const deletion: DeletionStatus = {
    policy,
    deleted: capped(
      unique([...(previous?.deleted ?? []), ...sending.filter((o) => !failed(failures, o)).map(name)]),
    ),
    kept: capped(plan.kept.map(({ object, reason }) => `${name(object)}: ${reason}`)),
    terminating: capped([...plan.terminating, ...(plan.wait ? sending : [])].map(name)),
  };
  status.deletion = deletion;

  if (failures.length > 0) {
    const message = `deleting ${failures.length} objects failed: ${failures
      .slice(0, 5)
      .map((f) => `${name(f.object)}: ${f.error.message}`)
      .join('; ')}${failures.length > 5 ? `; and ${failures.length - 5} more` : ''}`;
    deletion.message = message;
    if (!terminating.has(appNamespace)) {
      throw new TransientError('DeletionFailed', message, { cause: failures[0]?.error });
    }
    // The namespace is going: holding the finalizer would hang it. Say what was left.
    events.record(
      app,
      'Warning',
      'DeletionFailed',
      `${message}; left in place: the namespace ${appNamespace} is being deleted`,
    );
    return true;
  }

  const waiting = deletion.terminating ?? [];
  if (plan.wait && (waiting.length > 0 || sending.length > 0)) {
    const message = `waiting for ${plan.terminating.length + sending.length} objects to terminate (policy ${policy}): ${waiting.slice(0, 10).join(', ')}`;
    deletion.message = message;
    recordOnChange(
      events,
      app,
      { previous: findCondition(app.status?.conditions, READY)?.message, current: message },
      'Normal',
      'DeletionWaiting',
      message,
    );
    status.conditions = deletingConditions(status, app, message, input.now);
    log.debug({ policy, terminating: waiting }, 'deletion: waiting');
    return false;
  }
  const left =
    plan.toNamespace.length > 0 ? `, ${plan.toNamespace.length} left to their namespace's deletion` : '';
  deletion.message = `deleted ${deletion.deleted?.length ?? 0} objects, kept ${plan.kept.length}${left} (policy ${policy})`;
  status.conditions = deletingConditions(status, app, deletion.message, input.now);
  events.record(app, 'Normal', 'Deleted', deletion.message);
  log.info({ policy, kept: plan.kept.length, toNamespace: plan.toNamespace.length }, 'deletion: done');
  return true;
}

function deletingConditions(status: ApplicationStatus, app: Application, message: string, now: Date) {
  const generation = app.metadata.generation;
  const ready = setCondition(
    status.conditions,
    { type: READY, status: 'False', reason: REASON, message, observedGeneration: generation },
    now,
  );
  return markReconciling(ready, generation, REASON, message, now);
}

function failed(failures: DeletionFailure[], o: InventoryObject): boolean {
  return failures.some((f) => f.object.id === o.id);
}

const unique = (xs: string[]) => [...new Set(xs)];

function capped(xs: string[]): string[] | undefined {
  if (xs.length === 0) return undefined;
  return xs.length <= LISTED ? xs : [...xs.slice(0, LISTED), `and ${xs.length - LISTED} more`];
}
