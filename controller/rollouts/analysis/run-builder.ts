// Building an AnalysisRun from a Rollout's analysis block and its templates, as data: merge
// the templates' metrics and arguments, resolve the arguments the Rollout supplies (pod
// template hashes, fields of the Rollout), and name and label the run. Follows Argo Rollouts'
// analysisutil.NewAnalysisRunFromTemplates and BuildArgumentsForRolloutAnalysisRun.

import type {
  AnalysisRun,
  AnalysisTemplateSpec,
  Argument,
  DryRun,
  MeasurementRetention,
  Metric,
} from '../../api/analysis.ts';
import { API_VERSION } from '../../api/meta.ts';
import type { Rollout, RolloutAnalysis } from '../../api/rollout.ts';
import {
  ANALYSIS_TYPE_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  ROLLOUT_REVISION_ANNOTATION,
  STEP_INDEX_LABEL,
} from '../labels.ts';
import { controllerRef } from '../owner.ts';
import type { RunSlot } from './run-names.ts';

/** The Rollout's analysis cannot become a run until a person fixes it. */
export class AnalysisSpecError extends Error {
  override readonly name = 'AnalysisSpecError';
}

export interface NamedTemplate {
  name: string;
  clusterScope: boolean;
  spec: AnalysisTemplateSpec;
}

export interface RunBuildInput {
  rollout: Rollout;
  analysis: RolloutAnalysis;
  templates: readonly NamedTemplate[];
  slot: RunSlot;
  name: string;
  /** pod-template-hash of the desired (new) ReplicaSet. */
  newHash: string;
  /** pod-template-hash of the stable ReplicaSet, if any. */
  stableHash: string | undefined;
  revision: string | undefined;
}

export function buildAnalysisRun(input: RunBuildInput): AnalysisRun {
  const { rollout, analysis, slot } = input;
  const metrics = mergeMetrics(input.templates);
  const templateArgs = mergeTemplateArgs(input.templates);
  const supplied = (analysis.args ?? []).map((a) => resolveArgument(a, input));
  const args = mergeArgs(supplied, templateArgs);
  const dryRun = mergeByMetric<DryRun>([
    ...input.templates.flatMap((t) => t.spec.dryRun ?? []),
    ...(analysis.dryRun ?? []),
  ]);
  const retention = mergeByMetric<MeasurementRetention>([
    ...input.templates.flatMap((t) => t.spec.measurementRetention ?? []),
    ...(analysis.measurementRetention ?? []),
  ]);
  const labels: Record<string, string> = {
    ...(analysis.analysisRunMetadata?.labels ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: input.newHash,
    [ANALYSIS_TYPE_LABEL]: slot.type,
  };
  if (slot.type === 'step') labels[STEP_INDEX_LABEL] = String(slot.stepIndex);
  const annotations: Record<string, string> = { ...(analysis.analysisRunMetadata?.annotations ?? {}) };
  if (input.revision) annotations[ROLLOUT_REVISION_ANNOTATION] = input.revision;
  return {
    apiVersion: API_VERSION,
    kind: 'AnalysisRun',
    metadata: {
      name: input.name,
      namespace: rollout.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [controllerRef(rollout)],
    },
    spec: {
      metrics,
      ...(args.length > 0 ? { args } : {}),
      ...(dryRun.length > 0 ? { dryRun } : {}),
      ...(retention.length > 0 ? { measurementRetention: retention } : {}),
    },
  };
}

function mergeMetrics(templates: readonly NamedTemplate[]): Metric[] {
  const seen = new Map<string, string>();
  const metrics: Metric[] = [];
  for (const t of templates) {
    for (const m of t.spec.metrics) {
      const prior = seen.get(m.name);
      if (prior !== undefined) {
        throw new AnalysisSpecError(`metric "${m.name}" is defined by both template ${prior} and ${t.name}`);
      }
      seen.set(m.name, t.name);
      metrics.push(m);
    }
  }
  return metrics;
}

function mergeTemplateArgs(templates: readonly NamedTemplate[]): Argument[] {
  const byName = new Map<string, Argument>();
  for (const t of templates) {
    for (const arg of t.spec.args ?? []) {
      const prior = byName.get(arg.name);
      if (prior?.value !== undefined && arg.value !== undefined && prior.value !== arg.value) {
        throw new AnalysisSpecError(
          `argument "${arg.name}" has different default values in the templates: "${prior.value}" and "${arg.value}"`,
        );
      }
      if (!prior || (prior.value === undefined && prior.valueFrom === undefined)) byName.set(arg.name, arg);
    }
  }
  return [...byName.values()];
}

/** The Rollout's arguments override the templates' by name; every argument must end up with a value. */
export function mergeArgs(supplied: readonly Argument[], templateArgs: readonly Argument[]): Argument[] {
  const merged = templateArgs.map((t) => supplied.find((s) => s.name === t.name) ?? t);
  for (const arg of merged) {
    if (arg.value === undefined && arg.valueFrom === undefined) {
      throw new AnalysisSpecError(
        `argument "${arg.name}" has no value: set it in the Rollout's analysis args`,
      );
    }
  }
  return merged.map((a) => (a.value !== undefined ? { name: a.name, value: a.value } : a));
}

function mergeByMetric<T extends { metricName: string }>(items: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const item of items) byName.set(item.metricName, item);
  return [...byName.values()];
}

/** Resolves podTemplateHashValue and fieldRef into values; a secretKeyRef stays a reference. */
export function resolveArgument(
  arg: Argument,
  input: Pick<RunBuildInput, 'rollout' | 'newHash' | 'stableHash'>,
): Argument {
  const from = arg.valueFrom;
  if (!from || arg.value !== undefined) return arg;
  if (from.podTemplateHashValue === 'Latest') return { name: arg.name, value: input.newHash };
  if (from.podTemplateHashValue === 'Stable') {
    if (!input.stableHash)
      throw new AnalysisSpecError(
        `argument "${arg.name}" asks for the stable hash, but there is no stable ReplicaSet yet`,
      );
    return { name: arg.name, value: input.stableHash };
  }
  if (from.fieldRef) {
    const value = extractField(input.rollout, from.fieldRef.fieldPath);
    if (value === undefined) {
      throw new AnalysisSpecError(
        `argument "${arg.name}": the Rollout has no field ${from.fieldRef.fieldPath}`,
      );
    }
    return { name: arg.name, value };
  }
  return arg;
}

/** Reads `metadata.labels['app']`, `spec.template.spec.containers[0].image` and the like. */
export function extractField(obj: unknown, path: string): string | undefined {
  const segments: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(m[3]);
  }
  let cur: unknown = obj;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}
