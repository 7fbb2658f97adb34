// Builds an AnalysisRun from AnalysisTemplates and ClusterAnalysisTemplates, as Argo Rollouts'
// NewAnalysisRunFromTemplates does, for whatever starts analyses (the Rollout controller).
//
//   const run = await newAnalysisRunFromTemplates(api, {
//     namespace: rollout.metadata.namespace,
//     name: 'web-6c9f8d7b5-2',
//     templates: step.analysis.templates,            // [{ templateName, clusterScope? }]
//     args: step.analysis.args,                      // [{ name, value? | valueFrom? }]
//     podTemplateHashes: { stable: stableHash, latest: newHash },
//     fieldSource: rollout,                          // what valueFrom.fieldRef paths read
//     dryRun: step.analysis.dryRun,
//     measurementRetention: step.analysis.measurementRetention,
//     labels, annotations, ownerReferences: [controllerRef(rollout)],
//   });
//   await api.create(analysisRunResource, run);
//
// `newAnalysisRun` is the same without I/O, for callers that already hold the templates.
// Rules (Argo's): the metrics of all templates are merged and their names must be unique;
// template arguments with the same name must not disagree on a value; the caller's arguments
// override the templates' by name (arguments no template declares are ignored); every argument
// must end up with a value. `podTemplateHashValue` and `fieldRef` become values here, while
// `secretKeyRef` stays a reference that the AnalysisRun controller reads when it measures. The
// result is checked as the controller will check it (see run-spec.ts), so a broken template is
// refused now: `AnalysisTemplate "t": metric "m": invalid successCondition: ... at line 1, column 9`.
//
// Throws `AnalysisTemplateError` (a person must fix a template or the arguments) and, from the
// I/O wrapper, `AnalysisTemplateNotFoundError` (the template may be applied later: retry).

import type {
  AnalysisRun,
  AnalysisTemplate,
  AnalysisTemplateSpec,
  Argument,
  DryRun,
  MeasurementRetention,
  Metric,
} from '../api/analysis.ts';
import { analysisTemplateResource, clusterAnalysisTemplateResource } from '../api/analysis.ts';
import { API_VERSION, type OwnerReference } from '../api/meta.ts';
import type { AnalysisTemplateRef } from '../api/rollout.ts';
import { isNotFound } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { AnalysisSpecError, MetricSpecError } from './assess/index.ts';
import { prepareRun } from './run-spec.ts';

export type { AnalysisTemplateRef };

export interface LoadedTemplate {
  ref: AnalysisTemplateRef;
  spec: AnalysisTemplateSpec;
}

interface NewAnalysisRunInput {
  namespace: string;
  name: string;
  templates: readonly LoadedTemplate[];
  args?: readonly Argument[];
  /** pod-template-hash values for `valueFrom.podTemplateHashValue: Stable | Latest`. */
  podTemplateHashes?: { stable?: string | undefined; latest?: string | undefined };
  /** The object `valueFrom.fieldRef.fieldPath` is read from, normally the Rollout. */
  fieldSource?: unknown;
  dryRun?: readonly DryRun[];
  measurementRetention?: readonly MeasurementRetention[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

type NewAnalysisRunFromTemplatesInput = Omit<NewAnalysisRunInput, 'templates'> & {
  templates: readonly AnalysisTemplateRef[];
};

/** The templates and arguments cannot make a run until a person fixes them. */
export class AnalysisTemplateError extends AnalysisSpecError {
  override readonly name = 'AnalysisTemplateError';
}

export class AnalysisTemplateNotFoundError extends Error {
  override readonly name = 'AnalysisTemplateNotFoundError';
  readonly ref: AnalysisTemplateRef;

  constructor(ref: AnalysisTemplateRef, namespace: string, options?: ErrorOptions) {
    super(`${describe(ref, namespace)} not found`, options);
    this.ref = ref;
  }
}

/** Pure: merges the templates, resolves the arguments and checks the result. */
export function newAnalysisRun(input: NewAnalysisRunInput): AnalysisRun {
  if (input.templates.length === 0) throw new AnalysisTemplateError('no analysis templates given');
  const { metrics, owners } = mergeMetrics(input.templates);
  const args = mergeArgs(input.args ?? [], flattenArgs(input.templates)).map((arg) => resolveArg(arg, input));
  const dryRun = byMetricName([
    ...input.templates.flatMap((t) => t.spec.dryRun ?? []),
    ...(input.dryRun ?? []),
  ]);
  const measurementRetention = byMetricName([
    ...input.templates.flatMap((t) => t.spec.measurementRetention ?? []),
    ...(input.measurementRetention ?? []),
  ]);
  const spec: AnalysisRun['spec'] = {
    metrics,
    ...(args.length > 0 ? { args } : {}),
    ...(dryRun.length > 0 ? { dryRun } : {}),
    ...(measurementRetention.length > 0 ? { measurementRetention } : {}),
  };
  try {
    prepareRun(spec);
  } catch (error) {
    if (!(error instanceof AnalysisSpecError)) throw error;
    const owner = error instanceof MetricSpecError ? owners.get(error.metric) : undefined;
    const prefix = owner === undefined ? '' : `${describe(owner)}: `;
    throw new AnalysisTemplateError(`${prefix}${error.message}`, { cause: error });
  }
  return {
    apiVersion: API_VERSION,
    kind: 'AnalysisRun',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      ...(input.labels === undefined ? {} : { labels: { ...input.labels } }),
      ...(input.annotations === undefined ? {} : { annotations: { ...input.annotations } }),
      ...(input.ownerReferences === undefined ? {} : { ownerReferences: [...input.ownerReferences] }),
    },
    spec,
  };
}

/** Reads the templates (a ClusterAnalysisTemplate when `clusterScope`), in the given order. */
export async function loadAnalysisTemplates(
  api: ObjectApi,
  namespace: string,
  refs: readonly AnalysisTemplateRef[],
): Promise<LoadedTemplate[]> {
  const loaded: LoadedTemplate[] = [];
  for (const ref of refs) {
    const cluster = ref.clusterScope === true;
    try {
      const template = await api.get<AnalysisTemplate>(
        cluster ? clusterAnalysisTemplateResource : analysisTemplateResource,
        cluster ? undefined : namespace,
        ref.templateName,
      );
      loaded.push({ ref, spec: template.spec });
    } catch (error) {
      if (isNotFound(error)) throw new AnalysisTemplateNotFoundError(ref, namespace, { cause: error });
      throw error;
    }
  }
  return loaded;
}

/** `loadAnalysisTemplates` then `newAnalysisRun`. The run is returned, not created. */
export async function newAnalysisRunFromTemplates(
  api: ObjectApi,
  input: NewAnalysisRunFromTemplatesInput,
): Promise<AnalysisRun> {
  const templates = await loadAnalysisTemplates(api, input.namespace, input.templates);
  return newAnalysisRun({ ...input, templates });
}

function mergeMetrics(templates: readonly LoadedTemplate[]): {
  metrics: Metric[];
  owners: Map<string, AnalysisTemplateRef>;
} {
  const owners = new Map<string, AnalysisTemplateRef>();
  const metrics: Metric[] = [];
  for (const { ref, spec } of templates) {
    for (const metric of spec.metrics ?? []) {
      const prior = owners.get(metric.name);
      if (prior !== undefined) {
        const where = sameRef(prior, ref)
          ? `twice in ${describe(ref)}`
          : `by ${describe(prior)} and ${describe(ref)}`;
        throw new AnalysisTemplateError(`metric "${metric.name}" is defined ${where}`);
      }
      owners.set(metric.name, ref);
      metrics.push(structuredClone(metric));
    }
  }
  return { metrics, owners };
}

/** The templates' arguments, one per name; defaults may repeat but must agree. */
function flattenArgs(templates: readonly LoadedTemplate[]): Argument[] {
  const byName = new Map<string, Argument>();
  for (const { spec } of templates) {
    for (const arg of spec.args ?? []) {
      const stored = byName.get(arg.name);
      if (stored === undefined) {
        byName.set(arg.name, arg);
        continue;
      }
      if (arg.value !== undefined && stored.value !== undefined && arg.value !== stored.value) {
        throw new AnalysisTemplateError(
          `argument "${arg.name}" has different values in the templates: "${stored.value}" and "${arg.value}"`,
        );
      }
      if (stored.value === undefined && stored.valueFrom === undefined) byName.set(arg.name, arg);
    }
  }
  return [...byName.values()];
}

/** The caller's arguments win over the templates' defaults, by name. */
function mergeArgs(supplied: readonly Argument[], templateArgs: readonly Argument[]): Argument[] {
  return templateArgs.map((templateArg) => {
    const override = supplied.find((arg) => arg.name === templateArg.name);
    if (override?.value !== undefined) return { name: templateArg.name, value: override.value };
    if (override?.valueFrom !== undefined)
      return { name: templateArg.name, valueFrom: { ...override.valueFrom } };
    return structuredClone(templateArg);
  });
}

function resolveArg(arg: Argument, input: NewAnalysisRunInput): Argument {
  if (arg.value !== undefined) return { name: arg.name, value: arg.value };
  const from = arg.valueFrom;
  if (from?.secretKeyRef !== undefined)
    return { name: arg.name, valueFrom: { secretKeyRef: { ...from.secretKeyRef } } };
  if (from?.podTemplateHashValue !== undefined) {
    const which = from.podTemplateHashValue;
    const hash = which === 'Stable' ? input.podTemplateHashes?.stable : input.podTemplateHashes?.latest;
    if (hash === undefined || hash === '') {
      throw new AnalysisTemplateError(
        `argument "${arg.name}": there is no ${which.toLowerCase()} pod-template-hash yet`,
      );
    }
    return { name: arg.name, value: hash };
  }
  if (from?.fieldRef !== undefined) {
    const value = fieldValue(input.fieldSource, from.fieldRef.fieldPath);
    if (value === undefined) {
      throw new AnalysisTemplateError(`argument "${arg.name}": field ${from.fieldRef.fieldPath} is not set`);
    }
    return { name: arg.name, value };
  }
  throw new AnalysisTemplateError(`argument "${arg.name}" has no value: supply it in the analysis args`);
}

/** Reads `metadata.name`, `metadata.labels['app']`, `spec.template.spec.containers[0].image`. */
export function fieldValue(source: unknown, path: string): string | undefined {
  let current: unknown = source;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\[['"]([^'"]*)['"]\]/g)) {
    const key = match[1] ?? match[3] ?? Number(match[2]);
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  if (current === undefined || current === null) return undefined;
  return typeof current === 'string' ? current : JSON.stringify(current);
}

/** Later rules for the same metricName replace earlier ones. */
function byMetricName<T extends { metricName: string }>(rules: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const rule of rules) byName.set(rule.metricName, { ...rule });
  return [...byName.values()];
}

function sameRef(a: AnalysisTemplateRef, b: AnalysisTemplateRef): boolean {
  return a.templateName === b.templateName && (a.clusterScope === true) === (b.clusterScope === true);
}

function describe(ref: AnalysisTemplateRef, namespace?: string): string {
  if (ref.clusterScope === true) return `ClusterAnalysisTemplate "${ref.templateName}"`;
  return `AnalysisTemplate "${namespace === undefined ? '' : `${namespace}/`}${ref.templateName}"`;
}
