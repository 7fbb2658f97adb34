// Writing an AnalysisRun's status. Unlike most kinds, a run's status is the only record of the
// measurements taken, so the patch carries the resourceVersion the reconcile started from: if
// the cache was stale or another writer got there first, the API server answers 409 and the
// reconcile is retried from fresh data, instead of overwriting a measurement or taking it twice.

import {
  type AnalysisPhase,
  type AnalysisRun,
  type AnalysisRunStatus,
  analysisRunResource,
} from '../api/analysis.ts';
import type { Condition } from '../api/meta.ts';
import { isNotFound } from '../kube/errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { markFailed, markReady, markReconciling, READY, setCondition } from '../runtime/conditions.ts';
import { createMergePatch } from '../runtime/merge-patch.ts';

/** Patches /status once with only what changed; returns the object written, if a request was made. */
export async function patchRunStatus(
  api: ObjectApi,
  run: AnalysisRun,
  status: AnalysisRunStatus,
): Promise<AnalysisRun | undefined> {
  const patch = createMergePatch(run.status ?? {}, status);
  if (patch === undefined) return undefined;
  try {
    return await api.mergePatch<AnalysisRun>(
      analysisRunResource,
      run.metadata.namespace,
      run.metadata.name,
      { metadata: { resourceVersion: run.metadata.resourceVersion }, status: patch },
      'status',
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * kstatus conditions for a run: Reconciling while it measures, Ready=True once Successful, and
 * Ready=False with Stalled=True once it ended any other way (nothing more will happen to it).
 */
export function runConditions(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  phase: AnalysisPhase,
  message: string,
): Condition[] {
  switch (phase) {
    case 'Successful':
      return markReady(conditions, generation, 'AnalysisSuccessful', message);
    case 'Failed':
    case 'Error':
    case 'Inconclusive':
      return markFailed(
        conditions,
        generation,
        { reason: `Analysis${phase}`, errorClass: 'stalling' },
        message,
      );
    default: {
      const list = setCondition(conditions, {
        type: READY,
        status: 'Unknown',
        reason: 'Measuring',
        message,
        observedGeneration: generation,
      });
      return markReconciling(list, generation, 'Measuring', message);
    }
  }
}
