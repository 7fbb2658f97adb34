// NGINX Ingress canary: a copy of the stable Ingress that sends to the canary Service, owned by
// the Rollout and marked with the canary annotations (`canary`, `canary-weight`), as Argo
// Rollouts builds it.

import { isNotFound } from '../../../kube/api-errors.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import { rolloutOwnerRef } from '../../owner.ts';
import type { RouterTarget, TrafficRouter } from '../router.ts';
import { applyRouted, getRouted, TrafficRouterError } from '../router.ts';

export const ingresses: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  namespaced: true,
};

interface Backend {
  service?: { name: string; port?: unknown };
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: Backend;
    rules?: { host?: string; http?: { paths: { path?: string; pathType?: string; backend: Backend }[] } }[];
    tls?: unknown[];
  };
}

interface NginxOptions {
  stableIngress: string;
  annotationPrefix: string;
  additionalAnnotations: Record<string, string>;
}

function canaryIngressName(rollout: string, stableIngress: string): string {
  return `${rollout}-${stableIngress}-canary`.slice(0, 253);
}

/** The canary Ingress for a weight, or an error when the stable Ingress never sends to stableService. */
export function canaryIngress(
  stable: Ingress,
  target: RouterTarget,
  opts: NginxOptions,
  weight: number,
): Ingress {
  let found = false;
  const swap = (b: Backend | undefined): Backend | undefined => {
    if (b?.service?.name !== target.stableService) return b;
    found = true;
    return { ...b, service: { ...b.service, name: target.canaryService } };
  };
  const rules = (stable.spec?.rules ?? []).map((r) => ({
    ...r,
    ...(r.http
      ? { http: { paths: r.http.paths.map((p) => ({ ...p, backend: swap(p.backend) ?? p.backend })) } }
      : {}),
  }));
  const defaultBackend = swap(stable.spec?.defaultBackend);
  if (!found) {
    throw new TrafficRouterError(
      'IngressNotManaged',
      `Ingress ${target.namespace}/${opts.stableIngress} has no backend for Service ${target.stableService}`,
    );
  }
  const prefix = opts.annotationPrefix;
  const annotations: Record<string, string> = {
    [`${prefix}/canary`]: 'true',
    [`${prefix}/canary-weight`]: String(weight),
  };
  for (const [k, v] of Object.entries(opts.additionalAnnotations)) annotations[`${prefix}/${k}`] = v;
  const cls = stable.metadata.annotations?.['kubernetes.io/ingress.class'];
  if (cls) annotations['kubernetes.io/ingress.class'] = cls;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: canaryIngressName(target.rolloutName, opts.stableIngress),
      namespace: target.namespace,
      annotations,
      ownerReferences: [rolloutOwnerRef(target.rolloutName, target.rolloutUid)],
    },
    spec: {
      ...(stable.spec?.ingressClassName ? { ingressClassName: stable.spec.ingressClassName } : {}),
      ...(defaultBackend ? { defaultBackend } : {}),
      ...(rules.length > 0 ? { rules } : {}),
      ...(stable.spec?.tls ? { tls: stable.spec.tls } : {}),
    },
  };
}

export class NginxRouter implements TrafficRouter {
  readonly type = 'nginx';
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly opts: NginxOptions;

  constructor(api: ObjectApi, target: RouterTarget, opts: NginxOptions) {
    this.api = api;
    this.target = target;
    this.opts = opts;
  }

  async setWeight(weight: number): Promise<void> {
    const stable = await this.stableIngress();
    await applyRouted(this.api, ingresses, canaryIngress(stable, this.target, this.opts, weight));
  }

  async verifyWeight(weight: number): Promise<boolean> {
    const name = canaryIngressName(this.target.rolloutName, this.opts.stableIngress);
    try {
      const ing = await this.api.get<Ingress>(ingresses, this.target.namespace, name);
      return ing.metadata.annotations?.[`${this.opts.annotationPrefix}/canary-weight`] === String(weight);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }

  private stableIngress(): Promise<Ingress> {
    return getRouted<Ingress>(this.api, ingresses, this.target.namespace, this.opts.stableIngress);
  }
}
