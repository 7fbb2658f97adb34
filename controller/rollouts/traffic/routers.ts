// Picks the traffic router spec.strategy.canary.trafficRouting names.

import type { Rollout } from '../../api/rollout.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { GatewayApiRouter } from './gateway-api/http-route.ts';
import type { RouterTarget, TrafficRouter } from './router.ts';

export function routerFor(ro: Rollout, api: ObjectApi): TrafficRouter | undefined {
  const canary = ro.spec.strategy.canary;
  const routing = canary?.trafficRouting;
  if (!canary || !routing || !canary.stableService || !canary.canaryService) return undefined;
  const namespace = ro.metadata.namespace ?? 'default';
  const target: RouterTarget = {
    rolloutName: ro.metadata.name,
    rolloutUid: ro.metadata.uid ?? '',
    namespace,
    stableService: canary.stableService,
    canaryService: canary.canaryService,
  };
  if (routing.gatewayAPI) {
    const names = routing.gatewayAPI.httpRoute
      ? [routing.gatewayAPI.httpRoute]
      : (routing.gatewayAPI.httpRoutes ?? []).map((r) => r.name);
    return new GatewayApiRouter(api, target, routing.gatewayAPI.namespace ?? namespace, names);
  }
  return undefined;
}
