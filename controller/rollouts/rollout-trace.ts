// Where a Rollout's update sits in its commit's trace: the Application that applied the
// Rollout (its tracking labels) and the revision its new ReplicaSet was made for. The
// AnalysisRuns it creates carry the update's span as a traceparent annotation, so their
// measurements join the same trace without looking the Rollout up.

import type { Rollout } from '../api/rollout.ts';
import { APP_NAME_LABEL, APP_NAMESPACE_LABEL } from '../apps/manifest.ts';
import { type RolloutTraceInput, rolloutParent } from '../observability/tracing/commit-spans.ts';
import { formatTraceparent } from '../observability/tracing/commit-trace.ts';
import { POD_TEMPLATE_HASH_LABEL, STEP_INDEX_LABEL } from './labels.ts';
import type { ReplicaSet } from './replica-sets.ts';
import { sourceRevisionRecordOf } from './replica-sets.ts';
import type { RolloutSync } from './rollout-sync.ts';

function about(ro: Rollout, revision: string | undefined) {
  const labels = ro.metadata.labels ?? {};
  const name = labels[APP_NAME_LABEL];
  const namespace = labels[APP_NAMESPACE_LABEL];
  return {
    rollout: { namespace: ro.metadata.namespace ?? '', name: ro.metadata.name },
    app: name && namespace ? { namespace, name } : undefined,
    revision,
  };
}

/** The traceparent annotation value for a run judging `newRS`; none outside an Application. */
export function runTraceparent(ro: Rollout, newRS: ReplicaSet | undefined): string | undefined {
  const parent = rolloutParent(about(ro, sourceRevisionRecordOf(newRS)));
  return parent ? formatTraceparent(parent.span) : undefined;
}

/** When the current step began: a pause's start, or its analysis run's; unknown otherwise. */
function stepStart(ro: Rollout, sync: RolloutSync): Date | undefined {
  const pause = ro.status?.pauseConditions?.find((p) => p.reason === 'CanaryPauseStep')?.startTime;
  const index = String(ro.status?.currentStepIndex ?? 0);
  const run = sync.ctx.runs.find(
    (r) =>
      r.metadata.labels?.[STEP_INDEX_LABEL] === index &&
      r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === sync.ctx.newHash,
  );
  const at = pause ?? run?.status?.startedAt ?? run?.metadata.creationTimestamp;
  return at ? new Date(at) : undefined;
}

/** What one reconcile of `ro` did, for its spans. */
export function rolloutTrace(ro: Rollout, sync: RolloutSync, now: Date): RolloutTraceInput {
  const rs = sync.ctx.newRS;
  const created = rs?.metadata.creationTimestamp;
  return {
    ...about(ro, sourceRevisionRecordOf(rs)),
    startedAt: created ? new Date(created) : undefined,
    now,
    events: sync.events,
    stepIndex: ro.status?.currentStepIndex,
    stepStartedAt: stepStart(ro, sync),
    weight: sync.status.canary?.weights?.canary?.weight,
  };
}
