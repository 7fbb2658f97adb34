// What an Application's Rollouts are serving, from their live status: the revision each was
// last changed by (its sluice.dev/revision), and the revisions its stable and canary
// ReplicaSets were created for. An aborted Rollout means the applied revision is not the one
// serving, and the Application says so.

import type { ServingEntry } from '../api/application.ts';
import type { Obj } from './health/object.ts';
import { SOURCE_REVISION_ANNOTATION } from './revision-stamp.ts';

/** A Rollout's update was aborted: which revision, why, and what serves instead. */
export interface RollbackReport {
  rollout: string;
  revision: string;
  /** The Rollout's own account of the abort (which analysis run, metric and value). */
  why: string;
  serving: string | undefined;
  /** One line for the condition and the Event. */
  message: string;
}

interface RolloutStatusView {
  phase?: string;
  abort?: boolean;
  stableRevision?: string;
  canaryRevision?: string;
  conditions?: { type: string; reason?: string; message?: string }[];
}

const statusOf = (o: Obj) => (o.status ?? {}) as RolloutStatusView;

/** The Rollouts among an Application's live objects, as status.serving lists them. */
export function servingOf(live: readonly (Obj | undefined)[]): ServingEntry[] {
  return live
    .filter((o): o is Obj => o?.kind === 'Rollout')
    .map((o) => {
      const st = statusOf(o);
      const revision = o.metadata?.annotations?.[SOURCE_REVISION_ANNOTATION];
      return {
        kind: 'Rollout',
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
        name: o.metadata?.name ?? '',
        ...(revision ? { revision } : {}),
        ...(st.stableRevision ? { stableRevision: st.stableRevision } : {}),
        ...(st.canaryRevision ? { canaryRevision: st.canaryRevision } : {}),
        ...(st.phase ? { phase: st.phase } : {}),
        ...(st.abort ? { aborted: true } : {}),
      };
    });
}

/** The first aborted Rollout, told as "revision X was rolled back by …; serving revision Y". */
export function rollbackOf(live: readonly (Obj | undefined)[]): RollbackReport | undefined {
  for (const o of live) {
    if (o?.kind !== 'Rollout' || !statusOf(o).abort) continue;
    const st = statusOf(o);
    const revision = st.canaryRevision ?? o.metadata?.annotations?.[SOURCE_REVISION_ANNOTATION] ?? 'unknown';
    const aborted = st.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'RolloutAborted');
    const why = aborted?.message ?? 'the update was aborted';
    const rollout = o.metadata?.name ?? '';
    const serving = st.stableRevision;
    return {
      rollout,
      revision,
      why,
      serving,
      message: `revision ${revision} was rolled back by Rollout ${rollout}: ${why}; serving revision ${serving ?? 'unknown'}`,
    };
  }
  return undefined;
}
