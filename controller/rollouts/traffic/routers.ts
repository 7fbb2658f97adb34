// Picks the traffic router spec.strategy.canary.trafficRouting names.

import type { Rollout } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { GatewayApiRouter } from './gateway-api/http-route.ts';
import { IstioRouter } from './istio/virtual-service.ts';
import { NginxRouter } from './nginx/canary-ingress.ts';
import type { RouterTarget, TrafficRouter } from './router.ts';
import { SmiRouter } from './smi/traffic-split.ts';

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
  if (routing.istio) {
    return new IstioRouter(
      api,
      target,
      routing.istio.virtualService.name,
      routing.istio.virtualService.routes ?? [],
    );
  }
  if (routing.smi) {
    return new SmiRouter(
      api,
      target,
      routing.smi.trafficSplitName ?? ro.metadata.name,
      routing.smi.rootService ?? canary.stableService,
    );
  }
  if (routing.nginx) {
    return new NginxRouter(api, target, {
      stableIngress: routing.nginx.stableIngress,
      annotationPrefix: routing.nginx.annotationPrefix ?? ROLLOUT_DEFAULTS.nginxAnnotationPrefix,
      additionalAnnotations: routing.nginx.additionalIngressAnnotations ?? {},
    });
  }
  return undefined;
}
