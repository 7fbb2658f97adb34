// Spec checks the CRD's CEL rules cannot express. A failure stalls the Rollout with
// InvalidSpec until a person changes the spec.

import type { LabelSelector, Rollout } from '../api/rollout.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';
import { reservedLabels } from './pod-extras/pod-extras.ts';

export function validateRollout(ro: Rollout): void {
  const spec = ro.spec;
  if (spec.workloadRef && (spec.workloadRef.apiVersion ?? 'apps/v1') !== 'apps/v1') {
    throw invalid(`workloadRef apiVersion ${spec.workloadRef.apiVersion} is not supported: use apps/v1`);
  }
  const labels = spec.template?.metadata?.labels ?? {};
  if (!selectorMatches(spec.selector, labels)) {
    const where = spec.workloadRef ? `Deployment ${spec.workloadRef.name}` : 'spec';
    throw invalid(`the selector of ${where} does not match the labels of its template`);
  }
  const canary = spec.strategy.canary;
  if (canary?.trafficRouting && canary.stableService && canary.stableService === canary.canaryService) {
    throw invalid('canaryService and stableService must be different Services');
  }
  const { blueGreen } = spec.strategy;
  const reserved = reservedLabels(ro);
  for (const [field, meta] of [
    ['canary.canaryMetadata', canary?.canaryMetadata],
    ['canary.stableMetadata', canary?.stableMetadata],
    ['blueGreen.activeMetadata', blueGreen?.activeMetadata],
    ['blueGreen.previewMetadata', blueGreen?.previewMetadata],
  ] as const) {
    const clash = Object.keys(meta?.labels ?? {}).find((key) => reserved.includes(key));
    if (clash) {
      throw invalid(
        `spec.strategy.${field}.labels.${clash}: the selector and the pod-template-hash label cannot be ephemeral`,
      );
    }
  }
}

function invalid(message: string): StallingError {
  return new StallingError('InvalidSpec', message);
}

/** A label selector matches a set of labels (matchLabels and matchExpressions). */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(value as string))) return false;
    if (e.operator === 'NotIn' && has && values.includes(value as string)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)`, for status.selector and the scale subresource. */
export function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
