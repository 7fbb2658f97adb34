// Header and mirror routes (Argo Rollouts' setHeaderRoute and setMirrorRoute steps), shared by
// the routers: which router has which, the refusal of one that has not, and where a managed
// route goes in a list of routes. The routes live only in the routed objects, found again by
// their names, so they survive a controller restart.

import type { SetHeaderRoute, SetMirrorRoute } from '../../api/rollout.ts';
import { TrafficRouterError } from './router.ts';
import type { JsonPatchOp } from './weighted-backends.ts';

export type RouteStepKind = 'setHeaderRoute' | 'setMirrorRoute';

/** Keys of spec.strategy.canary.trafficRouting that name a router. */
export type RouterKey =
  | 'istio'
  | 'nginx'
  | 'smi'
  | 'gatewayAPI'
  | 'alb'
  | 'ambassador'
  | 'traefik'
  | 'apisix';

/** The route steps each router carries out; the others are refused at validation. */
export const ROUTE_STEP_SUPPORT: Readonly<Record<RouterKey, readonly RouteStepKind[]>> = {
  istio: ['setHeaderRoute', 'setMirrorRoute'],
  gatewayAPI: ['setHeaderRoute', 'setMirrorRoute'],
  nginx: ['setHeaderRoute'],
  smi: [],
  alb: [],
  ambassador: [],
  traefik: [],
  apisix: [],
};

/** What a router without the step answers if asked anyway. */
export function routeStepNotSupported(router: string, kind: RouteStepKind): TrafficRouterError {
  const reason = `${kind[0]?.toUpperCase()}${kind.slice(1)}NotSupported`;
  return new TrafficRouterError(reason, `the ${router} router does not support ${kind} steps`);
}

/** Base of the routers without header and mirror routes: both steps are refused, naming the router. */
export abstract class RouterWithoutRouteSteps {
  abstract readonly type: string;
  readonly routeSteps: readonly RouteStepKind[] = [];

  setHeaderRoute(_set: SetHeaderRoute): Promise<void> {
    return Promise.reject(routeStepNotSupported(this.type, 'setHeaderRoute'));
  }

  setMirrorRoute(_set: SetMirrorRoute): Promise<void> {
    return Promise.reject(routeStepNotSupported(this.type, 'setMirrorRoute'));
  }
}

/**
 * The list with the named item removed and, when given, the new one in its place: managed
 * items first in managedRoutes order (highest precedence), then the user's, as Argo Rollouts
 * orders a VirtualService's HTTP routes.
 */
export function withManagedItem<T extends { name?: string | undefined }>(
  items: readonly T[],
  name: string,
  item: T | undefined,
  managed: readonly string[],
): T[] {
  const rest = items.filter((i) => i.name !== name);
  if (item) rest.push(item);
  const rank = (i: T) => {
    const at = managed.indexOf(i.name ?? '');
    return at < 0 ? managed.length : at;
  };
  // Array.prototype.sort is stable: the user's items keep their order.
  return rest.sort((a, b) => rank(a) - rank(b));
}

/** The list without any managed item. */
export function withoutManagedItems<T extends { name?: string | undefined }>(
  items: readonly T[],
  managed: readonly string[],
): T[] {
  return items.filter((i) => !managed.includes(i.name ?? ''));
}

/**
 * The patch that replaces a whole list, guarded by a `test` of the list as it was read so a
 * concurrent edit fails the patch rather than being overwritten. Empty when nothing changes.
 */
export function replaceListPatch(path: string, before: unknown, after: unknown): JsonPatchOp[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [
    { op: 'test', path, value: before },
    { op: 'replace', path, value: after },
  ];
}

/** `^` + the prefix with regular-expression characters escaped + `.*`: a prefix match as a regex. */
export function prefixRegex(prefix: string): string {
  return `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*`;
}
