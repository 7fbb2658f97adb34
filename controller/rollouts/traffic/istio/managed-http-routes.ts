// Istio header and mirror routes, as Argo Rollouts writes them (istio.go createHeaderRoute,
// createMirrorRoute): HTTP routes named after trafficRouting.managedRoutes, placed before the
// user's routes. A header route sends every request matching one of its matches to the canary;
// a mirror route keeps the weighted route's destinations and mirrors a percentage to the canary.

import type {
  IstioVirtualService,
  SetHeaderRoute,
  SetMirrorRoute,
  StringMatch,
} from '../../../api/rollout.ts';
import {
  type Destination,
  type DestinationRoles,
  roleOf,
  type VirtualService,
  type VirtualServiceHttpRoute,
} from './virtual-service.ts';

/** Istio's StringMatch has Argo's shape; only the field that is set is written. */
function stringMatch(m: StringMatch): Record<string, string> {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  return m.regex !== undefined ? { regex: m.regex } : {};
}

type CanaryDestination = NonNullable<Destination['destination']>;

/** Each match is one Istio match: a request matching any of them goes 100% to the canary. */
export function headerHttpRoute(set: SetHeaderRoute, canary: CanaryDestination): VirtualServiceHttpRoute {
  return {
    name: set.name,
    match: (set.match ?? []).map((m) => ({ headers: { [m.headerName]: stringMatch(m.headerValue) } })),
    route: [{ destination: canary, weight: 100 }],
  };
}

/** Matching requests keep the weighted route's destinations; `percentage` of them is copied to the canary. */
export function mirrorHttpRoute(
  set: SetMirrorRoute,
  weighted: VirtualServiceHttpRoute,
  canary: CanaryDestination,
): VirtualServiceHttpRoute {
  return {
    name: set.name,
    match: (set.match ?? []).map((m) => ({
      ...(m.method ? { method: stringMatch(m.method) } : {}),
      ...(m.path ? { uri: stringMatch(m.path) } : {}),
      ...(m.headers
        ? {
            headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, stringMatch(v)])),
          }
        : {}),
    })),
    route: structuredClone(weighted.route ?? []),
    mirror: canary,
    mirrorPercentage: { value: set.percentage ?? 100 },
  };
}

/**
 * The HTTP route whose weights the Rollout sets (the first one named in `routes`, or the first
 * with both destinations) and its canary destination, which header and mirror routes copy
 * (host or subset, and port). Managed routes are skipped: a mirror route has both destinations too.
 */
export function weightedHttpRoute(
  vs: VirtualService,
  roles: DestinationRoles,
  ref: Pick<IstioVirtualService, 'routes'>,
  managed: readonly string[],
): { route: VirtualServiceHttpRoute; canary: CanaryDestination } | undefined {
  const names = ref.routes ?? [];
  for (const http of vs.spec?.http ?? []) {
    if (managed.includes(http.name ?? '')) continue;
    if (names.length > 0 && http.name !== names[0]) continue;
    const dests = http.route ?? [];
    const canary = dests.find((d) => roleOf(d, roles) === 'canary')?.destination;
    if (canary && dests.some((d) => roleOf(d, roles) === 'stable')) return { route: http, canary };
  }
  return undefined;
}

/** Names of the mirror routes present: their destinations take the weights too (as in Argo Rollouts). */
export function mirrorRouteNames(vs: VirtualService, managed: readonly string[]): string[] {
  return (vs.spec?.http ?? [])
    .filter((h) => h.mirror && managed.includes(h.name ?? ''))
    .map((h) => h.name ?? '');
}
