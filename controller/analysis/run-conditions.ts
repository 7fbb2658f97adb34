import type { AnalysisPhase } from '../api/analysis.ts';
import type { Condition } from '../api/meta.ts';
import { markFailed, markReady, markReconciling, READY, setCondition } from '../runtime/conditions.ts';

/**
 * kstatus conditions for a run: Reconciling while it measures, Ready=True once Successful, and
 * Ready=False with Stalled=True once it ended any other way (nothing more will happen to it).
 */
export function runConditions(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  phase: AnalysisPhase,
  message: string,
  now: Date = new Date(),
): Condition[] {
  switch (phase) {
    case 'Successful':
      return markReady(conditions, generation, 'AnalysisSuccessful', message, now);
    case 'Failed':
    case 'Error':
    case 'Inconclusive':
      return markFailed(
        conditions,
        generation,
        { reason: `Analysis${phase}`, errorClass: 'stalling' },
        message,
        now,
      );
    default: {
      const list = setCondition(
        conditions,
        {
          type: READY,
          status: 'Unknown',
          reason: 'Measuring',
          message,
          observedGeneration: generation,
        },
        now,
      );
      return markReconciling(list, generation, 'Measuring', message, now);
    }
  }
}
