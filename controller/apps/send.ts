// How one object is sent, as its options ask (object-options.ts): server-side apply by
// default, without taking other managers' fields (`ssa: Merge`), only when absent
// (`ssa: IfNotPresent`), a whole replacement (`Replace=true`), or not at all. A change the
// API server refuses because a field is immutable re-creates the object when it asked for
// that, and otherwise fails naming the field and the annotations that would allow it.

import { isConflict, KubeApiError } from '../kube/api-errors.ts';
import type { Impersonation } from '../kube/client.ts';
import type { ObjectApi } from '../kube/objects.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { deleteAndWait } from './delete-and-wait.ts';
import { removePaths } from './field-paths.ts';
import type { DesiredObject } from './manifest.ts';

const RECREATE_HINT =
  'set kustomize.toolkit.fluxcd.io/force: Enabled or argocd.argoproj.io/sync-options: Replace=true,Force=true';

/** What sending needs of a Syncer (sync.ts); kept narrow so this file does not import it. */
export interface Sender {
  api: ObjectApi;
  impersonate: Impersonation | undefined;
  /** Told when an object was deleted and re-created (a Normal event on the Application). */
  notify?: (reason: string, message: string) => void;
}

interface StatusCause {
  field?: string;
  message?: string;
  type?: string;
}

const causes = (err: KubeApiError): StatusCause[] =>
  ((err.details as { causes?: StatusCause[] } | undefined)?.causes ?? []).filter(
    (c) => typeof c === 'object',
  );

const IMMUTABLE = /immutable|may not change once set|updates to .* are forbidden|cannot be changed/i;

/**
 * The field an error says cannot change, or undefined when the error is about something
 * else: a Job's `spec.template`, a Service's `spec.clusterIP`, a Deployment's `spec.selector`.
 */
export function immutableField(err: unknown): string | undefined {
  if (!(err instanceof KubeApiError) || err.code !== 422) return undefined;
  const cause = causes(err).find((c) => IMMUTABLE.test(c.message ?? ''));
  if (cause) return cause.field ?? 'unknown field';
  return IMMUTABLE.test(err.message) ? 'unknown field' : undefined;
}

/** The immutable-field refusal of an object that did not ask to be re-created, with the way out. */
export function immutableMessage(field: string): string {
  return `immutable field ${field} changed; ${RECREATE_HINT}`;
}

/** Sends one object; undefined when its options say it is never sent. */
export async function send(
  s: Sender,
  rt: ResourceType,
  o: DesiredObject,
  body: KubeObject,
): Promise<KubeObject | undefined> {
  const { options } = o;
  if (options.apply === 'never') return undefined;
  if (options.apply === 'create-only') {
    const live = await s.api.getOrUndefined<KubeObject>(rt, o.namespace, o.name);
    if (live) return live;
  }
  try {
    return await write(s, rt, o, body);
  } catch (err) {
    const field = immutableField(err);
    if (field === undefined) throw err;
    if (!options.recreate) throw err;
    await deleteAndWait(s.api, rt, o.namespace, o.name, {
      impersonate: s.impersonate,
      propagationPolicy: 'Foreground',
    });
    const created = await write(s, rt, o, body);
    s.notify?.('Replaced', `replaced ${o.kind}/${o.name}: immutable field ${field} changed`);
    return created;
  }
}

async function write(s: Sender, rt: ResourceType, o: DesiredObject, body: KubeObject): Promise<KubeObject> {
  const impersonate = s.impersonate;
  // Validate=false: fields the schema lacks are dropped by a create or PUT; server-side
  // apply refuses them whatever this says, as it must type the patch.
  const fieldValidation = o.options.validate ? 'Strict' : 'Ignore';
  if (o.options.replace) {
    // Argo CD's Replace=true: `kubectl create`, or `kubectl replace` over the live object.
    const live = await s.api.getOrUndefined<KubeObject>(rt, o.namespace, o.name);
    if (!live) return s.api.create<KubeObject>(rt, body, { impersonate, fieldValidation });
    const whole = { ...body, metadata: { ...body.metadata, resourceVersion: live.metadata.resourceVersion } };
    return s.api.replace<KubeObject>(rt, whole as KubeObject, { impersonate, fieldValidation });
  }
  if (o.options.apply !== 'merge') return s.api.apply<KubeObject>(rt, body, { impersonate, fieldValidation });
  try {
    return await s.api.apply<KubeObject>(rt, body, { impersonate, fieldValidation, force: false });
  } catch (err) {
    // ssa: Merge: fields another manager owns keep its value; we send the rest.
    if (!isConflict(err)) throw err;
    const fields = causes(err as KubeApiError).flatMap((c) => (c.field ? [c.field] : []));
    const rest = removePaths(body, fields);
    if (!rest) throw err;
    return s.api.apply<KubeObject>(rt, rest, { impersonate, fieldValidation, force: false });
  }
}
