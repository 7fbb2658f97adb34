import type { AnalysisPhase } from '../api/analysis.ts';
import type { Condition } from '../api/meta.ts';
import { markFailed, markReady, markReconciling, READY, setCondition } from '../runtime/conditions.ts';

/**
 * kstatus conditions for a run (or an Experiment, which has the same phases): Reconciling while
 * it runs, Ready=True once Successful, and Ready=False with Stalled=True once it ended any other
 * way (nothing more will happen to it).
 */
export function runConditions(
  conditions: readonly Condition[] | undefined,
  generation: number | undefined,
  phase: AnalysisPhase,
  message: string,
  now: Date = new Date(),
  subject: 'Analysis' | 'Experiment' = 'Analysis',
): Condition[] {
  const going = subject === 'Analysis' ? 'Measuring' : 'Running';
  switch (phase) {
    case 'Successful':
      return markReady(conditions, generation, `${subject}Successful`, message, now);
    case 'Failed':
    case 'Error':
    case 'Inconclusive':
      return markFailed(
        conditions,
        generation,
        { reason: `${subject}${phase}`, errorClass: 'stalling' },
        message,
        now,
      );
    default: {
      const list = setCondition(
        conditions,
        {
          type: READY,
          status: 'Unknown',
          reason: going,
          message,
          observedGeneration: generation,
        },
        now,
      );
      return markReconciling(list, generation, going, message, now);
    }
  }
}
