// The one small interface every canary traffic router implements (after Argo Rollouts'
// trafficrouting.TrafficRoutingReconciler): set a weight, verify it, add header and mirror
// routes, remove what we added. Each router lives in its own folder and is picked from
// spec.strategy.canary.trafficRouting.

import type { SetHeaderRoute, SetMirrorRoute } from '../../api/rollout.ts';
import type { RouteStepKind } from './managed-routes.ts';

/** The Services and Rollout a router works for. */
export interface RouterTarget {
  rolloutName: string;
  rolloutUid: string;
  namespace: string;
  stableService: string;
  canaryService: string;
  /** Pod hashes of the canary (desired) and stable ReplicaSets, for routers that select pods by them. */
  canaryHash?: string;
  stableHash?: string;
  /** trafficRouting.managedRoutes names, highest precedence first. */
  managedRoutes?: readonly string[];
  /** trafficRouting.maxTrafficWeight: what the canary and stable weights add up to. 100 when unset. */
  maxWeight?: number;
}

/** What the canary and stable weights a router writes add up to. */
export const totalWeight = (target: RouterTarget): number => target.maxWeight ?? 100;

/** Pod hashes of the canary (desired) and stable ReplicaSets. */
export interface PodHashes {
  canary?: string;
  stable?: string;
}

export interface TrafficRouter {
  /** For logs and events: `gatewayAPI`, `istio`, `smi`, `nginx`; several joined by `+`. */
  readonly type: string;
  /** The route steps it carries out (ROUTE_STEP_SUPPORT); it refuses the others. */
  readonly routeSteps: readonly RouteStepKind[];
  /** Sends `weight` (out of the target's total, 100 by default) to the canary Service, the rest to stable. */
  setWeight(weight: number): Promise<void>;
  /** Whether the weight is in effect; undefined when the router has no way to tell. */
  verifyWeight(weight: number): Promise<boolean | undefined>;
  /**
   * Adds or replaces the named route sending requests that match to the canary; without match
   * removes it. A router that cannot route by header refuses with a TrafficRouterError.
   */
  setHeaderRoute(route: SetHeaderRoute): Promise<void>;
  /** Likewise for a route that mirrors a percentage of matching requests to the canary. */
  setMirrorRoute(route: SetMirrorRoute): Promise<void>;
  /** Removes the header and mirror routes and the objects added for the canary; traffic goes to stable. */
  removeManagedRoutes(): Promise<void>;
}

import { isNotFound, type KubeApiError } from '../../kube/api-errors.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../kube/resources.ts';

/** A router's object is missing or not shaped as expected: a person has to fix it. */
export class TrafficRouterError extends Error {
  override readonly name = 'TrafficRouterError';
  /** PascalCase reason for conditions and events. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A 404 from a router's request, said in the user's terms. The API server answers 404 both for
 * a missing object (its Status names it) and for a kind it does not serve at all, when the
 * router's CustomResourceDefinition is not installed; the second must not read as the first.
 */
function routerNotFound(err: KubeApiError, rt: ResourceType, namespace: string, name: string) {
  const objectMissing = (err.details as { name?: string } | undefined)?.name === name;
  const message = objectMissing
    ? `${rt.kind} ${namespace}/${name} not found`
    : `the API server does not serve ${rt.kind} (${rt.group}/${rt.version}): is its CustomResourceDefinition installed? (${err.message})`;
  return new TrafficRouterError(objectMissing ? `${rt.kind}NotFound` : `${rt.kind}NotServed`, message, {
    cause: err,
  });
}

/** Reads an object a router works on; a 404 becomes a TrafficRouterError naming the kind. */
export async function getRouted<T extends KubeObject>(
  api: ObjectApi,
  rt: ResourceType,
  namespace: string,
  name: string,
): Promise<T> {
  try {
    return await api.get<T>(rt, namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw routerNotFound(err, rt, namespace, name);
    throw err;
  }
}

/** Sends a router's object with server-side apply; a 404 means its kind is not served. */
export async function applyRouted(api: ObjectApi, rt: ResourceType, obj: KubeObject): Promise<void> {
  try {
    await api.apply(rt, obj);
  } catch (err) {
    if (isNotFound(err)) throw routerNotFound(err, rt, obj.metadata.namespace ?? '', obj.metadata.name);
    throw err;
  }
}

/**
 * Reads an object that one of several API versions or groups may serve (Ambassador's
 * getambassador.io v3alpha1 and v2, Traefik's traefik.io and older traefik.containo.us): the
 * first that has it wins; when none has it, the error of the first, the one users are told to
 * install today.
 */
export async function getRoutedFirst<T extends KubeObject>(
  api: ObjectApi,
  types: readonly ResourceType[],
  namespace: string,
  name: string,
): Promise<{ rt: ResourceType; obj: T }> {
  let first: unknown;
  for (const rt of types) {
    try {
      return { rt, obj: await getRouted<T>(api, rt, namespace, name) };
    } catch (err) {
      if (!(err instanceof TrafficRouterError)) throw err;
      first ??= err;
    }
  }
  throw first;
}
