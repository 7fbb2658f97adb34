// The header and mirror routes of a VirtualService as the router contract reads them
// (router-contract.ts), for every form of the Istio router.

import type { VirtualService } from '../../controller/rollouts/traffic/istio/virtual-service.ts';
import type { SeenHeaderRoute, SeenMirrorRoute } from './router-contract.ts';

/** The `canary-header` route: its one header match, when it sends everything to the canary. */
export function seenIstioHeaderRoute(vs: VirtualService | undefined): SeenHeaderRoute | undefined {
  const http = vs?.spec?.http ?? [];
  const route = http.find((r) => r.name === 'canary-header');
  if (!route) return undefined;
  // Managed routes come first, ahead of the user's.
  if (http[0] !== route) throw new Error('the header route is not the first HTTP route');
  const headers = (route.match?.[0]?.headers ?? {}) as Record<string, { exact?: string }>;
  const [header, value] = Object.entries(headers)[0] ?? [];
  const to = route.route?.map((d) => [d.destination?.subset ?? d.destination?.host, d.weight]);
  if (
    JSON.stringify(to) !== JSON.stringify([['web-canary', 100]]) &&
    JSON.stringify(to) !== JSON.stringify([['canary', 100]])
  )
    throw new Error(`the header route sends to ${JSON.stringify(to)}`);
  return header && value?.exact !== undefined ? { header, value: value.exact } : undefined;
}

/** The `canary-mirror` route: its percentage, when it mirrors to the canary. */
export function seenIstioMirrorRoute(vs: VirtualService | undefined): SeenMirrorRoute | undefined {
  const route = vs?.spec?.http?.find((r) => r.name === 'canary-mirror');
  if (!route) return undefined;
  const to = route.mirror?.subset ?? route.mirror?.host;
  if (to !== 'web-canary' && to !== 'canary') throw new Error(`the mirror route mirrors to ${to}`);
  return route.mirrorPercentage ? { percentage: route.mirrorPercentage.value } : undefined;
}
