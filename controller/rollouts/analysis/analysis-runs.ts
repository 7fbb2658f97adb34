// The AnalysisRuns a Rollout starts: creating the run a slot needs (or adopting it when it
// already exists), reacting to its phase, terminating runs that are no longer current and
// trimming old ones to the history limits.

import {
  AnalysisTemplateError,
  AnalysisTemplateNotFoundError,
  type LoadedTemplate,
  loadAnalysisTemplates,
} from '../../analysis/create-run.ts';
import { type AnalysisPhase, type AnalysisRun, analysisRunResource } from '../../api/analysis.ts';
import type { ObjectMeta } from '../../api/meta.ts';
import type { RolloutAnalysis, RolloutAnalysisRunStatus } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import { KubeApiError } from '../../kube/api-errors.ts';
import type { ResourceType } from '../../kube/resources.ts';
import { StallingError } from '../../runtime/reconcile-errors.ts';
import { isOwnedBy } from '../owner.ts';
import { revisionOf, sourceRevisionRecordOf } from '../replica-sets.ts';
import type { RolloutSync } from '../rollout-sync.ts';
import { runTraceparent } from '../rollout-trace.ts';
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

export async function ensureRun(sync: RolloutSync, intent: RunIntent): Promise<AnalysisRun | undefined> {
  const cached = sync.ctx.runs.find((r) => r.metadata.name === intent.name);
  if (cached) return cached;
  if (!intent.create) return undefined;
  const templates = await loadTemplates(sync, intent.analysis);
  let run: AnalysisRun;
  try {
    run = buildAnalysisRun({
      rollout: sync.ro,
      analysis: intent.analysis,
      templates,
      slot: intent.slot,
      name: intent.name,
      newHash: sync.ctx.newHash,
      stableHash: sync.status.stableRS,
      revision: sync.ctx.newRS ? String(revisionOf(sync.ctx.newRS)) : undefined,
      sourceRevision: sourceRevisionRecordOf(sync.ctx.newRS),
      traceparent: runTraceparent(sync.ro, sync.ctx.newRS),
    });
  } catch (err) {
    if (err instanceof AnalysisTemplateError) {
      throw new StallingError('InvalidAnalysis', `${intent.label} analysis: ${err.message}`, { cause: err });
    }
    throw err;
  }
  try {
    const created = await sync.api.create<AnalysisRun>(analysisRunResource, run);
    sync.deps.observeRun?.(created);
    sync.event('Normal', 'AnalysisRunCreated', `Created ${intent.label} AnalysisRun ${intent.name}`);
    sync.ctx.runs.push(created);
    return created;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 409)) throw err;
    // Created by an earlier reconcile whose status write never landed (or the cache lags): adopt it.
    const existing = await sync.api.get<AnalysisRun>(analysisRunResource, sync.namespace, intent.name);
    if (!isOwnedBy(existing, sync.ro)) {
      throw new StallingError(
        'AnalysisRunNameTaken',
        `AnalysisRun ${intent.name} exists and is not owned by this Rollout`,
        {
          cause: err,
        },
      );
    }
    sync.ctx.runs.push(existing);
    return existing;
  }
}

async function loadTemplates(sync: RolloutSync, analysis: RolloutAnalysis): Promise<LoadedTemplate[]> {
  try {
    return await loadAnalysisTemplates(sync.api, sync.namespace, analysis.templates);
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
  sync: RolloutSync,
  run: AnalysisRun,
  label: string,
  recorded: RolloutAnalysisRunStatus | undefined,
): RolloutAnalysisRunStatus {
  const now = runStatus(run);
  const changed = !recorded || recorded.name !== now.name || recorded.status !== now.status;
  const effect = effectOf(run.status?.phase);
  const description = describeRun(run, label);
  if (effect === 'abort') {
    if (!sync.pause.aborted) {
      sync.pause.requestAbort({ reason: 'AnalysisRunFailed', message: description });
      sync.abortMessage = description;
    }
    if (changed) sync.event('Warning', `AnalysisRun${now.status}`, description);
  } else if (effect === 'pause') {
    sync.pause.addPause('InconclusiveAnalysisRun');
    sync.pauseDetail.InconclusiveAnalysisRun = `${description}; promote to run the analysis again, or abort`;
    if (changed) sync.event('Warning', 'AnalysisRunInconclusive', description);
  } else if (changed && run.status?.phase) {
    sync.event('Normal', `AnalysisRun${now.status}`, description);
  }
  return now;
}

/** Runs that are not current and still running are told to stop (spec.terminate). */
export async function terminateOtherRuns(sync: RolloutSync, keep: ReadonlySet<string>): Promise<void> {
  for (const run of sync.ctx.runs) {
    if (keep.has(run.metadata.name) || isCompleted(run.status?.phase) || run.spec.terminate) continue;
    await sync.api.mergePatch(analysisRunResource, sync.namespace, run.metadata.name, {
      spec: { terminate: true },
    });
    run.spec.terminate = true;
    sync.deps.log.info({ run: run.metadata.name }, 'terminated AnalysisRun that is no longer current');
  }
}

/** Keeps the newest finished runs within spec.analysis.*RunHistoryLimit; deletes the rest. */
export async function trimRunHistory(sync: RolloutSync, keep: ReadonlySet<string>): Promise<void> {
  const recorded = [
    sync.status.canary?.currentStepAnalysisRunStatus,
    sync.status.canary?.currentBackgroundAnalysisRunStatus,
    sync.status.blueGreen?.prePromotionAnalysisRunStatus,
    sync.status.blueGreen?.postPromotionAnalysisRunStatus,
  ].map((r) => r?.name);
  const old = sync.ctx.runs.filter((r) => !keep.has(r.metadata.name) && !recorded.includes(r.metadata.name));
  await deleteBeyondHistory(sync, analysisRunResource, old);
}

/**
 * Of `old` (finished runs or Experiments that are not current), deletes what the Rollout's
 * spec.analysis.successfulRunHistoryLimit / unsuccessfulRunHistoryLimit do not keep.
 */
export async function deleteBeyondHistory(
  sync: RolloutSync,
  resource: ResourceType,
  old: readonly { metadata: ObjectMeta; status?: { phase?: AnalysisPhase } }[],
): Promise<void> {
  const limits = {
    successful:
      sync.ro.spec.analysis?.successfulRunHistoryLimit ?? ROLLOUT_DEFAULTS.successfulRunHistoryLimit,
    unsuccessful:
      sync.ro.spec.analysis?.unsuccessfulRunHistoryLimit ?? ROLLOUT_DEFAULTS.unsuccessfulRunHistoryLimit,
  };
  const items = old.map((o) => ({
    name: o.metadata.name,
    phase: o.status?.phase,
    creationTimestamp: o.metadata.creationTimestamp,
  }));
  for (const name of runsToDelete(items, limits)) {
    await sync.api.delete(resource, sync.namespace, name);
  }
}
