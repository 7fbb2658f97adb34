// Picks the traffic routers spec.strategy.canary.trafficRouting names: one, or several set
// together in a fixed order (Istio, NGINX, ALB, SMI, Ambassador, Traefik, APISIX, then Gateway
// API, as Argo Rollouts orders its built-in routers before plugins).

import type { Rollout } from '../../api/rollout.ts';
import { ROLLOUT_DEFAULTS } from '../../api/rollout.ts';
import type { ObjectApi } from '../../kube/objects.ts';
import { AlbRouter } from './alb/alb-actions.ts';
import { AmbassadorRouter } from './ambassador/canary-mapping.ts';
import { apisixRouter } from './apisix/apisix-route.ts';
import { CompositeRouter } from './composite-router.ts';
import { GatewayApiRouter } from './gateway-api/http-route.ts';
import { IstioRouter } from './istio/istio-router.ts';
import { NginxRouter } from './nginx/canary-ingress.ts';
import type { PodHashes, RouterTarget, TrafficRouter } from './router.ts';
import { SmiRouter } from './smi/traffic-split.ts';
import { traefikRouter } from './traefik/traefik-service.ts';

/** trafficRouting.maxTrafficWeight: the total of setWeight and of every router's weights. */
export function maxTrafficWeight(ro: Rollout): number {
  return ro.spec.strategy.canary?.trafficRouting?.maxTrafficWeight ?? ROLLOUT_DEFAULTS.maxTrafficWeight;
}

export function routerFor(ro: Rollout, api: ObjectApi, hashes: PodHashes = {}): TrafficRouter | undefined {
  const canary = ro.spec.strategy.canary;
  const routing = canary?.trafficRouting;
  if (!canary || !routing) return undefined;
  const subsetLevel = routing.istio?.destinationRule !== undefined;
  // Subset-level Istio alone needs no Services (the CRD requires them otherwise).
  if ((!canary.stableService || !canary.canaryService) && !subsetLevel) return undefined;
  const namespace = ro.metadata.namespace ?? 'default';
  const target: RouterTarget = {
    rolloutName: ro.metadata.name,
    rolloutUid: ro.metadata.uid ?? '',
    namespace,
    stableService: canary.stableService ?? '',
    canaryService: canary.canaryService ?? '',
    ...(hashes.canary ? { canaryHash: hashes.canary } : {}),
    ...(hashes.stable ? { stableHash: hashes.stable } : {}),
    managedRoutes: (routing.managedRoutes ?? []).map((r) => r.name),
    maxWeight: maxTrafficWeight(ro),
  };
  const routers: TrafficRouter[] = [];
  if (routing.istio) {
    const { virtualService, virtualServices, destinationRule } = routing.istio;
    routers.push(
      new IstioRouter(api, target, {
        virtualServices: virtualService ? [virtualService] : (virtualServices ?? []),
        ...(destinationRule ? { destinationRule } : {}),
      }),
    );
  }
  if (routing.nginx) {
    routers.push(
      new NginxRouter(api, target, {
        stableIngresses: routing.nginx.stableIngress
          ? [routing.nginx.stableIngress]
          : (routing.nginx.stableIngresses ?? []),
        annotationPrefix: routing.nginx.annotationPrefix ?? ROLLOUT_DEFAULTS.nginxAnnotationPrefix,
        additionalAnnotations: routing.nginx.additionalIngressAnnotations ?? {},
        canaryAnnotations: routing.nginx.canaryIngressAnnotations ?? {},
      }),
    );
  }
  if (routing.alb) {
    const { ingress, ingresses, servicePort, rootService, annotationPrefix } = routing.alb;
    routers.push(
      new AlbRouter(api, target, {
        ingresses: ingress ? [ingress] : (ingresses ?? []),
        servicePort,
        actionService: rootService ?? target.stableService,
        annotationPrefix: annotationPrefix ?? ROLLOUT_DEFAULTS.albAnnotationPrefix,
      }),
    );
  }
  if (routing.smi) {
    routers.push(
      new SmiRouter(
        api,
        target,
        routing.smi.trafficSplitName ?? ro.metadata.name,
        routing.smi.rootService ?? target.stableService,
      ),
    );
  }
  if (routing.ambassador) routers.push(new AmbassadorRouter(api, target, routing.ambassador.mappings));
  if (routing.traefik) routers.push(traefikRouter(api, target, routing.traefik.weightedTraefikServiceName));
  if (routing.apisix) {
    const { name, rules } = routing.apisix.route;
    routers.push(apisixRouter(api, target, name, rules ?? [name]));
  }
  if (routing.gatewayAPI) {
    const names = routing.gatewayAPI.httpRoute
      ? [routing.gatewayAPI.httpRoute]
      : (routing.gatewayAPI.httpRoutes ?? []).map((r) => r.name);
    routers.push(new GatewayApiRouter(api, target, routing.gatewayAPI.namespace ?? namespace, names));
  }
  if (routers.length <= 1) return routers[0];
  return new CompositeRouter(routers);
}
