// The AnalysisRun a Rollout starts for a slot: the run itself comes from the analysis
// package's newAnalysisRun (merged templates, resolved arguments, checked as the AnalysisRun
// controller will check them); here it gets its name, labels and owner.

import { type LoadedTemplate, newAnalysisRun } from '../../analysis/create-run.ts';
import type { AnalysisRun } from '../../api/analysis.ts';
import type { Rollout, RolloutAnalysis } from '../../api/rollout.ts';
import { TRACEPARENT_ANNOTATION } from '../../observability/tracing/commit-trace.ts';
import {
  ANALYSIS_TYPE_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  ROLLOUT_REVISION_ANNOTATION,
  STEP_INDEX_LABEL,
} from '../labels.ts';
import { controllerRef } from '../owner.ts';
import { sourceRevisionRecord } from '../replica-sets.ts';
import type { RunSlot } from './run-names.ts';

interface RunBuildInput {
  rollout: Rollout;
  analysis: RolloutAnalysis;
  templates: readonly LoadedTemplate[];
  slot: RunSlot;
  name: string;
  /** pod-template-hash of the desired (new) ReplicaSet. */
  newHash: string;
  /** pod-template-hash of the stable ReplicaSet, if any. */
  stableHash: string | undefined;
  revision: string | undefined;
  /** The source revision of the version judged (its ReplicaSet's record). */
  sourceRevision?: string | undefined;
  /** The Rollout update's span in its commit's trace (W3C traceparent), when it has one. */
  traceparent?: string | undefined;
}

/** Labels that say which Rollout version and slot a run judges. */
function runLabels(input: Pick<RunBuildInput, 'analysis' | 'slot' | 'newHash'>): Record<string, string> {
  const labels: Record<string, string> = {
    ...(input.analysis.analysisRunMetadata?.labels ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: input.newHash,
    [ANALYSIS_TYPE_LABEL]: input.slot.type,
  };
  if (input.slot.type === 'step') labels[STEP_INDEX_LABEL] = String(input.slot.stepIndex);
  return labels;
}

/** Throws the analysis package's AnalysisTemplateError when templates and arguments do not make a run. */
export function buildAnalysisRun(input: RunBuildInput): AnalysisRun {
  const annotations: Record<string, string> = { ...(input.analysis.analysisRunMetadata?.annotations ?? {}) };
  if (input.revision) annotations[ROLLOUT_REVISION_ANNOTATION] = input.revision;
  Object.assign(annotations, sourceRevisionRecord(input.sourceRevision));
  if (input.traceparent) annotations[TRACEPARENT_ANNOTATION] = input.traceparent;
  return newAnalysisRun({
    namespace: input.rollout.metadata.namespace ?? 'default',
    name: input.name,
    templates: input.templates,
    args: input.analysis.args ?? [],
    podTemplateHashes: { stable: input.stableHash, latest: input.newHash },
    fieldSource: input.rollout,
    dryRun: input.analysis.dryRun ?? [],
    measurementRetention: input.analysis.measurementRetention ?? [],
    labels: runLabels(input),
    annotations,
    ownerReferences: [controllerRef(input.rollout)],
  });
}
