// Istio VirtualService route weights: in the chosen HTTP, TLS and TCP routes, the stable and canary
// destinations get the two weights. A destination is told apart by its host (the stable and
// canary Services) or, with a DestinationRule, by its subset (as Argo Rollouts does).

import type { IstioTlsRoute, IstioVirtualService } from '../../../api/rollout.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import type { RouterTarget } from '../router.ts';
import type { BackendSlot } from '../weighted-backends.ts';

export const virtualServices: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'VirtualService',
  plural: 'virtualservices',
  namespaced: true,
};

export interface Destination {
  destination?: { host?: string; subset?: string; port?: { number?: number } };
  weight?: number;
}

/** An HTTP route; header and mirror routes use match, mirror and mirrorPercentage. */
export interface VirtualServiceHttpRoute {
  name?: string;
  match?: Record<string, unknown>[];
  route?: Destination[];
  mirror?: Destination['destination'];
  mirrorPercentage?: { value: number };
}

interface TlsMatch {
  port?: number;
  sniHosts?: string[];
}

export interface VirtualService extends KubeObject {
  spec?: {
    http?: VirtualServiceHttpRoute[];
    tls?: { match?: TlsMatch[]; route?: Destination[] }[];
    tcp?: { match?: { port?: number }[]; route?: Destination[] }[];
  };
}

/** How the two destinations of a route are recognised. */
export type DestinationRoles =
  | { by: 'host'; target: RouterTarget }
  | { by: 'subset'; stable: string; canary: string };

/** `web-stable`, `web-stable.shop` and `web-stable.shop.svc.cluster.local` all name the Service. */
function isHost(host: string | undefined, svc: string, namespace: string): boolean {
  if (!host || !svc) return false;
  return host === svc || host === `${svc}.${namespace}` || host.startsWith(`${svc}.${namespace}.svc`);
}

export function roleOf(d: Destination, roles: DestinationRoles): 'stable' | 'canary' | undefined {
  if (roles.by === 'subset') {
    const subset = d.destination?.subset;
    if (subset === roles.stable) return 'stable';
    return subset === roles.canary ? 'canary' : undefined;
  }
  const { target } = roles;
  if (isHost(d.destination?.host, target.stableService, target.namespace)) return 'stable';
  return isHost(d.destination?.host, target.canaryService, target.namespace) ? 'canary' : undefined;
}

/**
 * A TLS route is the one asked for when its matches name a single port, that port (none for
 * none), and one of them names exactly these SNI hosts (after Argo Rollouts' searchTlsRoute).
 */
export function tlsRouteMatches(match: readonly TlsMatch[], want: IstioTlsRoute): boolean {
  const ports = new Set(match.map((m) => m.port ?? 0));
  if (ports.size > 1 || (ports.values().next().value ?? 0) !== (want.port ?? 0)) return false;
  const hosts = [...new Set(want.sniHosts ?? [])].sort();
  return match.some((m) => {
    const have = [...new Set(m.sniHosts ?? [])].sort();
    return have.length === hosts.length && have.every((h, i) => h === hosts[i]);
  });
}

/**
 * A TCP route is the one asked for when its matches name one port and it is that one (Argo
 * Rollouts' searchTcpRoute): a route over several ports cannot be told apart.
 */
export function tcpRouteMatches(match: readonly { port?: number }[], port: number): boolean {
  const ports = new Set(match.flatMap((m) => (m.port ? [m.port] : [])));
  return ports.size === 1 && ports.has(port);
}

/** The stable and canary slots of one route, if it has both destinations. */
function routeSlots(base: string, dests: readonly Destination[], roles: DestinationRoles): BackendSlot[] {
  const stable = dests.findIndex((d) => roleOf(d, roles) === 'stable');
  const canary = dests.findIndex((d) => roleOf(d, roles) === 'canary');
  if (stable < 0 || canary < 0) return [];
  const field = roles.by === 'subset' ? 'subset' : 'host';
  return (
    [
      [stable, 'stable'],
      [canary, 'canary'],
    ] as const
  ).map(([j, role]) => ({
    pointer: `${base}/route/${j}`,
    testPath: `${base}/route/${j}/destination/${field}`,
    testValue: dests[j]?.destination?.[field],
    role,
    weight: dests[j]?.weight,
  }));
}

/**
 * The weighted destinations of a VirtualService the Rollout manages: HTTP routes named in
 * `routes` (every HTTP route with both destinations when none are named), TLS routes found by
 * `tlsRoutes` and TCP routes by `tcpRoutes` (likewise every one with both destinations when
 * none are given).
 */
export function virtualServiceSlots(
  vs: VirtualService,
  roles: DestinationRoles,
  ref: Pick<IstioVirtualService, 'routes' | 'tlsRoutes' | 'tcpRoutes'>,
): BackendSlot[] {
  const names = ref.routes ?? [];
  const tls = ref.tlsRoutes ?? [];
  const tcp = ref.tcpRoutes ?? [];
  const slots: BackendSlot[] = [];
  (vs.spec?.http ?? []).forEach((http, i) => {
    if (names.length > 0 && !names.includes(http.name ?? '')) return;
    slots.push(...routeSlots(`/spec/http/${i}`, http.route ?? [], roles));
  });
  (vs.spec?.tls ?? []).forEach((route, i) => {
    if (tls.length > 0 && !tls.some((want) => tlsRouteMatches(route.match ?? [], want))) return;
    slots.push(...routeSlots(`/spec/tls/${i}`, route.route ?? [], roles));
  });
  (vs.spec?.tcp ?? []).forEach((route, i) => {
    if (tcp.length > 0 && !tcp.some((want) => tcpRouteMatches(route.match ?? [], want.port))) return;
    slots.push(...routeSlots(`/spec/tcp/${i}`, route.route ?? [], roles));
  });
  return slots;
}

/** The TCP routes asked for that the VirtualService does not have, for the error message. */
export function missingTcpRoutes(vs: VirtualService, tcpRoutes: readonly { port: number }[]): number[] {
  return tcpRoutes
    .map((t) => t.port)
    .filter((port) => !(vs.spec?.tcp ?? []).some((r) => tcpRouteMatches(r.match ?? [], port)));
}

/** The TLS routes asked for that the VirtualService does not have, for the error message. */
export function missingTlsRoutes(vs: VirtualService, tlsRoutes: readonly IstioTlsRoute[]): IstioTlsRoute[] {
  return tlsRoutes.filter((want) => !(vs.spec?.tls ?? []).some((r) => tlsRouteMatches(r.match ?? [], want)));
}
