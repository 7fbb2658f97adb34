// The AnalysisRuns a Rollout starts: creating the run a slot needs (or adopting it when it
// already exists), reacting to its phase, terminating runs that are no longer current and
// trimming old ones to the history limits.

import {
  AnalysisTemplateError,
  AnalysisTemplateNotFoundError,
  type LoadedTemplate,
  loadAnalysisTemplates,
} from '../../analysis/create-run.ts';
import { type AnalysisRun, analysisRunResource } from '../../api/analysis.ts';
import type { RolloutAnalysis, RolloutAnalysisRunStatus } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import { KubeApiError } from '../../kube/errors.ts';
import { StallingError } from '../../runtime/errors.ts';
import { isOwnedBy } from '../owner.ts';
import { revisionOf } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { buildAnalysisRun } from './run-builder.ts';
import { isCompleted, type RunSlot, runsToDelete } from './run-names.ts';
import { describeRun, effectOf, runStatus } from './verdict.ts';

/** Templates may be applied after the Rollout (GitOps order): look again soon. */
const MISSING_TEMPLATE_RETRY_MS = 10_000;

export interface RunIntent {
  slot: RunSlot;
  /** For people: `step 2`, `background`, `pre-promotion`, `post-promotion`. */
  label: string;
  analysis: RolloutAnalysis;
  name: string;
  /** False while paused or aborted: keep an existing run, start none. */
  create: boolean;
}

export async function ensureRun(s: RolloutSync, intent: RunIntent): Promise<AnalysisRun | undefined> {
  const cached = s.ctx.runs.find((r) => r.metadata.name === intent.name);
  if (cached) return cached;
  if (!intent.create) return undefined;
  const templates = await loadTemplates(s, intent.analysis);
  let run: AnalysisRun;
  try {
    run = buildAnalysisRun({
      rollout: s.ro,
      analysis: intent.analysis,
      templates,
      slot: intent.slot,
      name: intent.name,
      newHash: s.ctx.newHash,
      stableHash: s.status.stableRS,
      revision: s.ctx.newRS ? String(revisionOf(s.ctx.newRS)) : undefined,
    });
  } catch (err) {
    if (err instanceof AnalysisTemplateError) {
      throw new StallingError('InvalidAnalysis', `${intent.label} analysis: ${err.message}`, { cause: err });
    }
    throw err;
  }
  try {
    const created = await s.api.create<AnalysisRun>(analysisRunResource, run);
    s.deps.observeRun?.(created);
    s.event('Normal', 'AnalysisRunCreated', `Created ${intent.label} AnalysisRun ${intent.name}`);
    s.ctx.runs.push(created);
    return created;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 409)) throw err;
    // Created by an earlier reconcile whose status write never landed (or the cache lags): adopt it.
    const existing = await s.api.get<AnalysisRun>(analysisRunResource, s.namespace, intent.name);
    if (!isOwnedBy(existing, s.ro)) {
      throw new StallingError(
        'AnalysisRunNameTaken',
        `AnalysisRun ${intent.name} exists and is not owned by this Rollout`,
        {
          cause: err,
        },
      );
    }
    s.ctx.runs.push(existing);
    return existing;
  }
}

async function loadTemplates(s: RolloutSync, analysis: RolloutAnalysis): Promise<LoadedTemplate[]> {
  try {
    return await loadAnalysisTemplates(s.api, s.namespace, analysis.templates);
  } catch (err) {
    if (err instanceof AnalysisTemplateNotFoundError) {
      throw new StallingError('AnalysisTemplateNotFound', err.message, {
        cause: err,
        retryAfterMs: MISSING_TEMPLATE_RETRY_MS,
      });
    }
    throw err;
  }
}

/**
 * Reacts to the current run of a slot: Failed or Error aborts the update, Inconclusive pauses
 * it for a person. Emits an event when the run's phase differs from what status recorded.
 */
export function judgeRun(
  s: RolloutSync,
  run: AnalysisRun,
  label: string,
  recorded: RolloutAnalysisRunStatus | undefined,
): RolloutAnalysisRunStatus {
  const now = runStatus(run);
  const changed = !recorded || recorded.name !== now.name || recorded.status !== now.status;
  const effect = effectOf(run.status?.phase);
  const description = describeRun(run, label);
  if (effect === 'abort') {
    if (!s.pause.aborted) {
      s.pause.requestAbort({ reason: 'AnalysisRunFailed', message: description });
      s.abortMessage = description;
    }
    if (changed) s.event('Warning', `AnalysisRun${now.status}`, description);
  } else if (effect === 'pause') {
    s.pause.addPause('InconclusiveAnalysisRun');
    s.pauseDetail.InconclusiveAnalysisRun = `${description}; promote to run the analysis again, or abort`;
    if (changed) s.event('Warning', 'AnalysisRunInconclusive', description);
  } else if (changed && run.status?.phase) {
    s.event('Normal', `AnalysisRun${now.status}`, description);
  }
  return now;
}

/** Runs that are not current and still running are told to stop (spec.terminate). */
export async function terminateOtherRuns(s: RolloutSync, keep: ReadonlySet<string>): Promise<void> {
  for (const run of s.ctx.runs) {
    if (keep.has(run.metadata.name) || isCompleted(run.status?.phase) || run.spec.terminate) continue;
    await s.api.mergePatch(analysisRunResource, s.namespace, run.metadata.name, {
      spec: { terminate: true },
    });
    run.spec.terminate = true;
    s.deps.log.info({ run: run.metadata.name }, 'terminated AnalysisRun that is no longer current');
  }
}

/** Keeps the newest finished runs within spec.analysis.*RunHistoryLimit; deletes the rest. */
export async function trimRunHistory(s: RolloutSync, keep: ReadonlySet<string>): Promise<void> {
  const limits = {
    successful: s.ro.spec.analysis?.successfulRunHistoryLimit ?? ROLLOUT_DEFAULTS.successfulRunHistoryLimit,
    unsuccessful:
      s.ro.spec.analysis?.unsuccessfulRunHistoryLimit ?? ROLLOUT_DEFAULTS.unsuccessfulRunHistoryLimit,
  };
  const recorded = [
    s.status.canary?.currentStepAnalysisRunStatus,
    s.status.canary?.currentBackgroundAnalysisRunStatus,
    s.status.blueGreen?.prePromotionAnalysisRunStatus,
    s.status.blueGreen?.postPromotionAnalysisRunStatus,
  ].map((r) => r?.name);
  const old = s.ctx.runs
    .filter((r) => !keep.has(r.metadata.name) && !recorded.includes(r.metadata.name))
    .map((r) => ({
      name: r.metadata.name,
      phase: r.status?.phase,
      creationTimestamp: r.metadata.creationTimestamp,
    }));
  for (const name of runsToDelete(old, limits)) {
    await s.api.delete(analysisRunResource, s.namespace, name);
  }
}
