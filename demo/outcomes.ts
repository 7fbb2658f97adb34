// How a pushed version ends: promoted (the Rollout is Healthy with the version as stable) or
// aborted (the Rollout is Degraded while updating to it). Read from the Rollout's status, as
// `kubectl get rollout` shows it, never from the demo's own bookkeeping.

import type { Observer, Snapshot } from './observe.ts';

export interface Outcome {
  version: string;
  result: 'promoted' | 'aborted' | 'timeout';
  /** pod-template-hash of the version. */
  hash: string;
  message: string;
  /** When the outcome was seen. */
  at: number;
  /** For an aborted version: what the Application reports about it. */
  application?: string;
  /** For an aborted version: the Application's Ready message, naming the revision serving. */
  serving?: string;
  /** For an aborted version: the commit status the `github` Provider set on its commit. */
  commitStatus?: string;
}

/** Long enough for a loaded machine; the whole flow normally takes about a minute per version. */
const OUTCOME_TIMEOUT_MS = 5 * 60_000;

export function outcomeOf(
  s: Snapshot,
  version: string,
  previousStable: string | undefined,
): Outcome | undefined {
  const ro = s.rollout;
  const rs = s.replicaSets.find((r) => r.version === version);
  if (!ro?.status || !rs || ro.status.currentPodHash !== rs.hash) return undefined;
  if (ro.status.observedGeneration !== ro.metadata.generation) return undefined;
  const base = { version, hash: rs.hash, message: ro.status.message ?? '', at: s.at };
  if (ro.status.phase === 'Healthy' && ro.status.stableRS === rs.hash) return { ...base, result: 'promoted' };
  if (ro.status.phase === 'Degraded' && ro.status.stableRS === previousStable)
    return { ...base, result: 'aborted' };
  return undefined;
}

export async function waitForOutcome(
  observer: Observer,
  version: string,
  previousStable: string | undefined,
  timeoutMs = OUTCOME_TIMEOUT_MS,
): Promise<Outcome> {
  try {
    return await observer.waitFor(
      `the rollout of ${version} to finish`,
      (s) => outcomeOf(s, version, previousStable),
      timeoutMs,
    );
  } catch (error) {
    const ro = observer.latest?.rollout;
    return {
      version,
      result: 'timeout',
      hash: ro?.status?.currentPodHash ?? '',
      message: `${(error as Error).message}; the Rollout is ${ro?.status?.phase ?? 'missing'}: ${ro?.status?.message ?? ''}`,
      at: Date.now(),
    };
  }
}
