// Which source revision last changed each object an Application applies, stamped on the
// object as an annotation. Only an object whose rendered content changed takes the new
// revision: the others keep theirs, so applying them again changes nothing and a commit
// to another path or object is no write at all (the unchanged-digest path in pipeline.ts).

import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/resources.ts';
import { isSubset } from '../runtime/merge-patch.ts';
import type { DesiredObject } from './manifest.ts';

/** On every object an Application applies: the source revision that last changed it. */
export const SOURCE_REVISION_ANNOTATION = 'sluice.dev/revision';

/** What was stamped on one object: its rendered content's digest and the revision. */
export interface Stamp {
  digest: string;
  revision: string;
}

/** The rendered object's content, before any stamp. */
export function contentDigest(o: DesiredObject): string {
  return createHash('sha256').update(JSON.stringify(o.object)).digest('hex');
}

/**
 * Stamps each object with `revision`, or with the revision it had when its content is the
 * same as then. `earlier` is what the last sync stamped (memory); after a restart there is
 * none and the live object says it: its stamp is kept when it still holds every field the
 * manifest sets (the API server adds defaults, so equality is too strict).
 */
export function stampRevisions(
  objects: readonly DesiredObject[],
  revision: string,
  earlier: {
    stamp: (id: string) => Stamp | undefined;
    live: (o: DesiredObject) => KubeObject | undefined;
  },
): Map<string, Stamp> {
  const stamps = new Map<string, Stamp>();
  for (const o of objects) {
    const digest = contentDigest(o);
    const kept = earlierRevision(o, digest, earlier);
    const stamp = { digest, revision: kept ?? revision };
    stamps.set(o.id, stamp);
    setRevision(o.object, stamp.revision);
  }
  return stamps;
}

function earlierRevision(
  o: DesiredObject,
  digest: string,
  earlier: Parameters<typeof stampRevisions>[2],
): string | undefined {
  const remembered = earlier.stamp(o.id);
  if (remembered) return remembered.digest === digest ? remembered.revision : undefined;
  const live = earlier.live(o);
  const liveRevision = live?.metadata.annotations?.[SOURCE_REVISION_ANNOTATION];
  if (!live || !liveRevision) return undefined;
  return isSubset(o.object, { ...live, metadata: withoutRevision(live.metadata) }) ? liveRevision : undefined;
}

function setRevision(object: KubeObject, revision: string): void {
  object.metadata = {
    ...object.metadata,
    annotations: { ...(object.metadata.annotations ?? {}), [SOURCE_REVISION_ANNOTATION]: revision },
  };
}

function withoutRevision(metadata: KubeObject['metadata']): KubeObject['metadata'] {
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations[SOURCE_REVISION_ANNOTATION];
  return { ...metadata, annotations };
}

/** The source revision stamped on an object, if any. */
export function sourceRevisionOf(o: KubeObject | undefined): string | undefined {
  return o?.metadata.annotations?.[SOURCE_REVISION_ANNOTATION];
}
