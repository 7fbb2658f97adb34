// reconcile, suspend and resume of Applications and GitRepositories. A reconcile request is the
// annotation sluice.dev/reconcile-requested-at; the controller copies the value it acted on to
// status.lastHandledReconcileAt in the same status write that reports Ready, so seeing the value
// there means the answer in Ready is the one for this request.

import {
  CONDITION_READY,
  type Condition,
  RECONCILE_REQUESTED_AT_ANNOTATION,
} from '../../controller/api/meta.ts';
import { parseDuration } from '../../controller/runtime/duration.ts';
import { CliError, EXIT_OK, UsageError } from '../cli-errors.ts';
import { formatData, type Io } from '../io.ts';
import { type KindName, RESOURCES } from '../kinds.ts';
import type { Options } from '../options.ts';
import type { Session } from '../session.ts';

const POLL_MS = 500;

interface Reconcilable {
  metadata: { name: string; namespace?: string | undefined; generation?: number };
  spec: { suspend?: boolean; sourceRef?: { name: string; namespace?: string } };
  status?: { lastHandledReconcileAt?: string; conditions?: Condition[] };
  [field: string]: unknown;
}

function label(kind: KindName, name: string): string {
  return `${RESOURCES[kind].singular}.${RESOURCES[kind].group}/${name}`;
}

function timeoutMs(options: Options): number {
  try {
    return parseDuration(options.timeout);
  } catch (err) {
    throw new UsageError(`--timeout: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Asks for a reconcile now (with `extra` merged into the same patch); returns the value the
 * controller will copy to status.lastHandledReconcileAt. The dashboard's "reconcile now" too.
 */
export async function requestReconcile(
  session: Session,
  kind: KindName,
  namespace: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const requestedAt = new Date().toISOString();
  await session.api.mergePatch(RESOURCES[kind], namespace, name, {
    ...extra,
    metadata: { annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: requestedAt } },
  });
  return requestedAt;
}

/** Asks for a reconcile now and waits for its outcome; returns the object as it was then. */
async function reconcileAndWait(
  session: Session,
  kind: KindName,
  namespace: string,
  name: string,
  extra: Record<string, unknown>,
  options: Options,
  io: Io,
): Promise<Reconcilable> {
  const rt = RESOURCES[kind];
  const requestedAt = await requestReconcile(session, kind, namespace, name, extra);
  const deadline = Date.now() + timeoutMs(options);
  for (;;) {
    const obj = await session.api.get<Reconcilable>(rt, namespace, name);
    const ready = obj.status?.conditions?.find((c) => c.type === CONDITION_READY);
    const current =
      ready?.observedGeneration === undefined || ready.observedGeneration === obj.metadata.generation;
    if (obj.status?.lastHandledReconcileAt === requestedAt && ready && current) {
      // Progressing: applied, and waiting for health (spec.wait); the answer is still to come.
      if (ready.status === 'True') return obj;
      if (ready.status === 'False' && ready.reason !== 'Progressing') {
        throw new CliError(`${label(kind, name)} reconcile failed: ${ready.reason}: ${ready.message}`);
      }
    }
    if (Date.now() > deadline) {
      const why = ready ? ` (Ready=${ready.status} ${ready.reason}: ${ready.message})` : '';
      throw new CliError(
        `timed out after ${options.timeout} waiting for ${label(kind, name)} to reconcile${why}`,
      );
    }
    if (io.signal.aborted) throw new CliError('interrupted');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function report(kind: KindName, obj: Reconcilable, verb: string, options: Options, io: Io): number {
  if (options.output) {
    io.stdout.write(formatData(obj, options.output));
  } else {
    const ready = obj.status?.conditions?.find((c) => c.type === CONDITION_READY);
    io.stdout.write(`${label(kind, obj.metadata.name)} ${verb}${ready ? `: ${ready.message}` : ''}\n`);
  }
  return EXIT_OK;
}

export async function reconcile(
  kind: KindName,
  name: string,
  session: Session,
  options: Options,
  io: Io,
): Promise<number> {
  const obj = await session.api.get<Reconcilable>(RESOURCES[kind], session.namespace, name);
  if (obj.spec.suspend) {
    throw new CliError(`${label(kind, name)} is suspended; resume it to reconcile`);
  }
  if (options.withSource) {
    if (kind !== 'app') throw new UsageError('--with-source applies to reconcile app');
    const ref = obj.spec.sourceRef as { name: string; namespace?: string };
    const ns = ref.namespace ?? session.namespace;
    const source = await reconcileAndWait(session, 'source', ns, ref.name, {}, options, io);
    if (!options.output) report('source', source, 'reconciled', options, io);
  }
  const done = await reconcileAndWait(session, kind, session.namespace, name, {}, options, io);
  return report(kind, done, 'reconciled', options, io);
}

export async function setSuspended(
  kind: KindName,
  name: string,
  suspend: boolean,
  session: Session,
  options: Options,
  io: Io,
): Promise<number> {
  const rt = RESOURCES[kind];
  if (suspend) {
    const obj = await session.api.mergePatch<Reconcilable>(rt, session.namespace, name, {
      spec: { suspend: true },
    });
    if (options.output) io.stdout.write(formatData(obj, options.output));
    else io.stdout.write(`${label(kind, name)} suspended\n`);
    return EXIT_OK;
  }
  // Resuming also asks for a reconcile, so the object catches up at once and the answer is known.
  await session.api.get(rt, session.namespace, name);
  const done = await reconcileAndWait(
    session,
    kind,
    session.namespace,
    name,
    { spec: { suspend: false } },
    options,
    io,
  );
  return report(kind, done, 'resumed', options, io);
}
