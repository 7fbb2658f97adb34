// Where a Rollout's update sits in its commit's trace: the Application that applied the
// Rollout (its tracking labels) and the revision its new ReplicaSet was made for. The
// AnalysisRuns it creates carry the update's span as a traceparent annotation, so their
// measurements join the same trace without looking the Rollout up.

import type { Rollout } from '../api/rollout.ts';
import { APP_NAME_LABEL, APP_NAMESPACE_LABEL } from '../apps/manifest.ts';
import { type RolloutTraceInput, rolloutParent } from '../observability/tracing/commit-spans.ts';
import { formatTraceparent } from '../observability/tracing/commit-trace.ts';
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
    weight: sync.status.canary?.weights?.canary?.weight,
  };
}
