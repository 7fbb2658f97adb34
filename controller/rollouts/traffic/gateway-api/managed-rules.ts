// Gateway API header and mirror routes, after Argo Rollouts' Gateway API plugin: extra HTTPRoute
// rules named after trafficRouting.managedRoutes (rule names are standard since Gateway API
// v1.2), copied from the weighted rule so its filters and timeouts still apply. A header rule
// adds the header matches to each of the weighted rule's matches and sends to the canary
// backend alone; a mirror rule keeps the weighted backends and adds a RequestMirror filter.

import type { SetHeaderRoute, SetMirrorRoute, StringMatch } from '../../../api/rollout.ts';
import { prefixRegex } from '../managed-routes.ts';
import type { RouterTarget } from '../router.ts';
import { TrafficRouterError } from '../router.ts';

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

interface HeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

interface HttpRouteMatch {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression'; value?: string };
  headers?: HeaderMatch[];
  method?: string;
  queryParams?: unknown[];
}

export interface HttpRouteRule {
  name?: string;
  matches?: HttpRouteMatch[];
  filters?: Record<string, unknown>[];
  backendRefs?: BackendRef[];
  timeouts?: unknown;
}

/** Exact stays exact; a prefix or a regex is a RegularExpression match (prefix anchored). */
function headerMatch(name: string, v: StringMatch): HeaderMatch {
  if (v.exact !== undefined) return { type: 'Exact', name, value: v.exact };
  return {
    type: 'RegularExpression',
    name,
    value: v.prefix !== undefined ? prefixRegex(v.prefix) : (v.regex ?? ''),
  };
}

/** Matches of the weighted rule each with the header matches added: all headers must match. */
export function headerRule(set: SetHeaderRoute, weighted: HttpRouteRule, canary: BackendRef): HttpRouteRule {
  const headers = (set.match ?? []).map((m) => headerMatch(m.headerName, m.headerValue));
  const base = weighted.matches?.length ? weighted.matches : [{}];
  const { weight: _weight, ...backend } = canary;
  return {
    ...structuredClone(weighted),
    name: set.name,
    matches: base.map((m) => ({ ...structuredClone(m), headers: [...(m.headers ?? []), ...headers] })),
    backendRefs: [backend],
  };
}

function pathMatch(v: StringMatch): NonNullable<HttpRouteMatch['path']> {
  if (v.exact !== undefined) return { type: 'Exact', value: v.exact };
  if (v.prefix !== undefined) return { type: 'PathPrefix', value: v.prefix };
  return { type: 'RegularExpression', value: v.regex ?? '' };
}

/** Gateway API matches a method only exactly. */
function methodMatch(set: SetMirrorRoute, v: StringMatch): string {
  if (v.exact !== undefined) return v.exact;
  throw new TrafficRouterError(
    'MirrorRouteMatchNotSupported',
    `setMirrorRoute ${set.name}: Gateway API matches a method only exactly (method.exact)`,
  );
}

/** Matching requests keep the weighted backends; `percentage` of them is copied to the canary. */
export function mirrorRule(set: SetMirrorRoute, weighted: HttpRouteRule, canary: BackendRef): HttpRouteRule {
  const { weight: _weight, ...backend } = canary;
  return {
    ...structuredClone(weighted),
    name: set.name,
    matches: (set.match ?? []).map((m) => ({
      ...(m.path ? { path: pathMatch(m.path) } : {}),
      ...(m.method ? { method: methodMatch(set, m.method) } : {}),
      ...(m.headers ? { headers: Object.entries(m.headers).map(([name, v]) => headerMatch(name, v)) } : {}),
    })),
    filters: [
      ...structuredClone(weighted.filters ?? []),
      { type: 'RequestMirror', requestMirror: { backendRef: backend, percent: set.percentage ?? 100 } },
    ],
  };
}

/** A backendRef naming a Service of the target's namespace. */
export function isServiceRef(
  b: BackendRef,
  routeNamespace: string | undefined,
  target: RouterTarget,
): boolean {
  return (
    (b.group ?? '') === '' &&
    (b.kind ?? 'Service') === 'Service' &&
    (b.namespace ?? routeNamespace) === target.namespace
  );
}

/** The first rule (not a managed one) with both the stable and canary backends, and its canary backend. */
export function weightedRule(
  rules: readonly HttpRouteRule[],
  routeNamespace: string | undefined,
  target: RouterTarget,
): { rule: HttpRouteRule; canary: BackendRef } | undefined {
  const managed = target.managedRoutes ?? [];
  for (const rule of rules) {
    if (managed.includes(rule.name ?? '')) continue;
    const refs = rule.backendRefs ?? [];
    const is = (b: BackendRef, svc: string) => isServiceRef(b, routeNamespace, target) && b.name === svc;
    const canary = refs.find((b) => is(b, target.canaryService));
    if (canary && refs.some((b) => is(b, target.stableService))) return { rule, canary };
  }
  return undefined;
}
