// Spec checks the CRD's CEL rules cannot express. A failure stalls the Rollout with
// InvalidSpec until a person changes the spec.

import type { CanaryStrategy, LabelSelector, Rollout } from '../api/rollout.ts';
import { StallingError } from '../runtime/reconcile-errors.ts';
import { reservedLabels } from './pod-extras/pod-extras.ts';
import { ROUTE_STEP_SUPPORT, type RouterKey, type RouteStepKind } from './traffic/managed-routes.ts';

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
  const [problem] = canary ? routeStepProblems(canary) : [];
  if (problem) throw invalid(`${formatPath(problem.path)}: ${problem.message}`);
}

/** A problem with a field of the spec, for status and for `sluice lint`. */
export interface SpecProblem {
  path: (string | number)[];
  message: string;
}

/** `spec.strategy.canary.steps[2].setHeaderRoute.name` */
function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const ROUTE_STEPS: readonly RouteStepKind[] = ['setHeaderRoute', 'setMirrorRoute'];

/**
 * Header and mirror route steps: each names one of trafficRouting.managedRoutes (its place in
 * the routes' order), and every router the Rollout uses carries that kind of step.
 */
export function routeStepProblems(canary: CanaryStrategy): SpecProblem[] {
  const routing = canary.trafficRouting;
  // Also run by `sluice lint` on files the schema may have found wrong: no shape is assumed.
  const managed = (Array.isArray(routing?.managedRoutes) ? routing.managedRoutes : []).map((r) => r?.name);
  const routers = (Object.keys(ROUTE_STEP_SUPPORT) as RouterKey[]).filter((k) => routing?.[k] !== undefined);
  const out: SpecProblem[] = [];
  (Array.isArray(canary.steps) ? canary.steps : []).forEach((step, i) => {
    for (const kind of ROUTE_STEPS) {
      const route = step?.[kind];
      if (!route || typeof route !== 'object') continue;
      const at = ['spec', 'strategy', 'canary', 'steps', i, kind];
      if (!managed.includes(route.name)) {
        const list = managed.length > 0 ? managed.join(', ') : 'none';
        out.push({
          path: [...at, 'name'],
          message: `"${route.name}" is not one of trafficRouting.managedRoutes (${list})`,
        });
      }
      for (const r of routers.filter((r) => !ROUTE_STEP_SUPPORT[r].includes(kind))) {
        out.push({ path: at, message: `the ${r} router does not support ${kind} steps` });
      }
      const matches = Array.isArray(step.setHeaderRoute?.match) ? step.setHeaderRoute.match.length : 0;
      if (kind === 'setHeaderRoute' && routing?.nginx && matches > 1) {
        out.push({
          path: [...at, 'match'],
          message: `the nginx router routes by one header, not ${matches}`,
        });
      }
    }
  });
  return out;
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
