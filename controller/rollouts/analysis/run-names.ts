// Which AnalysisRun is "the" run of a slot (a canary step, background, pre- or post-promotion),
// decided from status alone so a restarted controller finds the same run instead of starting
// another. Names are deterministic: `<rollout>-<hash>-<slot>`, then `-<epoch>` after the first
// abort (status.abortedAt, so a retry starts fresh runs), then `.<n>` for a re-run after a
// person resumed an inconclusive run. Creating an existing name adopts that run.

import type { AnalysisPhase } from '../../api/analysis.ts';
import type { RolloutAnalysisRunStatus } from '../../api/rollout.ts';
import { shortHash } from '../hash.ts';

export type RunSlot =
  | { type: 'step'; stepIndex: number }
  | { type: 'background' }
  | { type: 'pre-promotion' }
  | { type: 'post-promotion' };

const SLOT_TAG: Record<Exclude<RunSlot['type'], 'step'>, string> = {
  background: 'background',
  'pre-promotion': 'pre',
  'post-promotion': 'post',
};

/** Kubernetes object names are at most 253 characters; leave room for the suffixes. */
const MAX_PREFIX = 200;

export function baseRunName(
  rollout: string,
  hash: string,
  slot: RunSlot,
  abortedAt: string | undefined,
): string {
  const tag = slot.type === 'step' ? String(slot.stepIndex) : SLOT_TAG[slot.type];
  const epoch = abortedAt ? `-${shortHash(abortedAt)}` : '';
  return `${rollout.slice(0, MAX_PREFIX)}-${hash}-${tag}${epoch}`;
}

/** The run status names belongs to this base name (itself or a re-run of it). */
export function isRunOf(name: string, base: string): boolean {
  return name === base || (name.startsWith(`${base}.`) && /^\d+$/.test(name.slice(base.length + 1)));
}

export function successorName(name: string, base: string): string {
  const n = name === base ? 0 : Number(name.slice(base.length + 1));
  return `${base}.${n + 1}`;
}

const COMPLETED_PHASES: readonly AnalysisPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];

export function isCompleted(phase: AnalysisPhase | undefined): boolean {
  return phase !== undefined && COMPLETED_PHASES.includes(phase);
}

interface SlotDecisionInput {
  base: string;
  /** What status recorded for this slot's kind of run. */
  recorded: RolloutAnalysisRunStatus | undefined;
  /** Phase of the recorded run as it is now, if the run exists. */
  recordedPhase: AnalysisPhase | undefined;
  /** A person resumed the rollout from an InconclusiveAnalysisRun pause. */
  resumedFromInconclusive: boolean;
}

/**
 * The name of the run that should exist for a slot. An inconclusive run that a person chose to
 * continue past is followed by a fresh run, as in Argo; anything else keeps the recorded run.
 */
export function runNameForSlot(input: SlotDecisionInput): string {
  const { base, recorded } = input;
  if (!recorded || !isRunOf(recorded.name, base)) return base;
  if (input.recordedPhase === 'Inconclusive' && input.resumedFromInconclusive) {
    return successorName(recorded.name, base);
  }
  return recorded.name;
}

interface HistoryItem {
  name: string;
  phase: AnalysisPhase | undefined;
  creationTimestamp: string | undefined;
}

/**
 * Old, finished runs to delete beyond the history limits (newest are kept), as
 * spec.analysis.successfulRunHistoryLimit / unsuccessfulRunHistoryLimit ask.
 */
export function runsToDelete(
  old: readonly HistoryItem[],
  limits: { successful: number; unsuccessful: number },
): string[] {
  const newestFirst = [...old]
    .filter((r) => isCompleted(r.phase))
    .sort((a, b) => (b.creationTimestamp ?? '').localeCompare(a.creationTimestamp ?? ''));
  const ok = newestFirst.filter((r) => r.phase === 'Successful');
  const bad = newestFirst.filter((r) => r.phase !== 'Successful');
  return [...ok.slice(limits.successful), ...bad.slice(limits.unsuccessful)].map((r) => r.name);
}
