// Which commit an event is about. An Application knows the revision it applied and the
// GitRepository it came from; objects it applied carry its name in their labels; an
// AnalysisRun belongs to the Rollout that owns it. Read from the watch caches.

import type { Application } from '../api/application.ts';
import type { GitRepository } from '../api/git-repository.ts';
import type { ObjectMeta } from '../api/meta.ts';
import { APP_NAME_LABEL, APP_NAMESPACE_LABEL } from '../apps/manifest.ts';
import type { EventSourceInfo } from './event.ts';

/** Cached objects by kind and `namespace/name`. */
export type ObjectLookup = (
  kind: string,
  namespace: string,
  name: string,
) => { metadata: ObjectMeta } | undefined;

function applicationSource(app: Application, lookup: ObjectLookup): EventSourceInfo | undefined {
  const revision = app.status?.lastAppliedRevision ?? app.status?.lastAttemptedRevision;
  if (!revision) return undefined;
  const ns = app.metadata.namespace ?? '';
  const ref = app.spec.sourceRef;
  // An Application of a chart from a HelmRepository has no sourceRef, and no git URL.
  const repo =
    ref?.kind === 'GitRepository'
      ? (lookup('GitRepository', ref.namespace ?? ns, ref.name) as GitRepository | undefined)
      : undefined;
  return { revision, application: app.metadata.name, ...(repo ? { url: repo.spec.url } : {}) };
}

/** The Application an object belongs to, following a Rollout owner for AnalysisRuns. */
function owningApplication(meta: ObjectMeta, lookup: ObjectLookup): Application | undefined {
  const ns = meta.namespace ?? '';
  const name = meta.labels?.[APP_NAME_LABEL];
  if (name)
    return lookup('Application', meta.labels?.[APP_NAMESPACE_LABEL] ?? ns, name) as Application | undefined;
  const owner = meta.ownerReferences?.find((o) => o.kind === 'Rollout' || o.kind === 'Experiment');
  const parent = owner ? lookup(owner.kind, ns, owner.name) : undefined;
  return parent ? owningApplication(parent.metadata, lookup) : undefined;
}

/** A revision an Application's or GitRepository's own message names (`applied revision main@sha1:…`). */
const MESSAGE_REVISION = /(?:[^\s'"]+@)?sha(?:1|256):[0-9a-f]{40,64}/;

/**
 * The revision (and repository) an event about `kind` `meta` concerns, when it can be known.
 * A sync or fetch names its revision in the message: that one, not the cache's, which may
 * not have caught up with the status written just before the Event.
 */
export function eventSource(
  kind: string,
  meta: ObjectMeta,
  message: string,
  lookup: ObjectLookup,
): EventSourceInfo | undefined {
  const source = cachedSource(kind, meta, lookup);
  const named =
    kind === 'Application' || kind === 'GitRepository' ? MESSAGE_REVISION.exec(message)?.[0] : undefined;
  return named ? { ...source, revision: named } : source;
}

function cachedSource(kind: string, meta: ObjectMeta, lookup: ObjectLookup): EventSourceInfo | undefined {
  const ns = meta.namespace ?? '';
  if (kind === 'GitRepository') {
    const repo = lookup(kind, ns, meta.name) as GitRepository | undefined;
    const revision = repo?.status?.artifact?.revision;
    return repo && revision ? { revision, url: repo.spec.url } : undefined;
  }
  const app =
    kind === 'Application'
      ? (lookup(kind, ns, meta.name) as Application | undefined)
      : owningApplication(meta, lookup);
  return app ? applicationSource(app, lookup) : undefined;
}
