// NGINX Ingress canary: a copy of each stable Ingress that sends to the canary Service, owned by
// the Rollout and marked with the canary annotations (`canary`, `canary-weight`), as Argo
// Rollouts builds it. A header route is NGINX's `canary-by-header` (with `-value` for an exact
// value, `-pattern` otherwise) on the same Ingress: one header per route, no mirroring.

import type { SetHeaderRoute, SetMirrorRoute } from '../../../api/rollout.ts';
import { isNotFound } from '../../../kube/api-errors.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
import type { KubeObject, ResourceType } from '../../../kube/resources.ts';
import { rolloutOwnerRef } from '../../owner.ts';
import { prefixRegex, ROUTE_STEP_SUPPORT, routeStepNotSupported } from '../managed-routes.ts';
import type { RouterTarget, TrafficRouter } from '../router.ts';
import { applyRouted, getRouted, TrafficRouterError, totalWeight } from '../router.ts';

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
  /** additionalIngressAnnotations: NGINX canary annotations, named without the prefix. */
  additionalAnnotations: Record<string, string>;
  /** canaryIngressAnnotations: any annotations, by their full names. */
  canaryAnnotations?: Record<string, string>;
}

function canaryIngressName(rollout: string, stableIngress: string): string {
  return `${rollout}-${stableIngress}-canary`.slice(0, 253);
}

/** Names the header route the canary Ingress carries, so a later weight keeps it. */
const HEADER_ROUTE_ANNOTATION = 'sluice.dev/header-route';
const HEADER_SUFFIXES = ['canary-by-header', 'canary-by-header-value', 'canary-by-header-pattern'];

/** The annotations of a header route: NGINX takes one header, exact (`-value`) or as a pattern. */
export function headerRouteAnnotations(set: SetHeaderRoute, prefix: string): Record<string, string> {
  const match = set.match ?? [];
  const only = match[0];
  if (match.length !== 1 || !only) {
    throw new TrafficRouterError(
      'SetHeaderRouteNotSupported',
      `setHeaderRoute ${set.name}: the nginx router routes by one header, not ${match.length}`,
    );
  }
  const v = only.headerValue;
  const value =
    v.exact !== undefined
      ? { [`${prefix}/canary-by-header-value`]: v.exact }
      : {
          [`${prefix}/canary-by-header-pattern`]:
            v.prefix !== undefined ? prefixRegex(v.prefix) : (v.regex ?? ''),
        };
  return { [HEADER_ROUTE_ANNOTATION]: set.name, [`${prefix}/canary-by-header`]: only.headerName, ...value };
}

/** The header route annotations a canary Ingress carries now, to keep across weights. */
function carriedHeaderRoute(ing: Ingress | undefined, prefix: string): Record<string, string> {
  const a = ing?.metadata.annotations ?? {};
  if (!a[HEADER_ROUTE_ANNOTATION]) return {};
  const keys = [HEADER_ROUTE_ANNOTATION, ...HEADER_SUFFIXES.map((k) => `${prefix}/${k}`)];
  return Object.fromEntries(keys.flatMap((k) => (a[k] === undefined ? [] : [[k, a[k]]])));
}

/** The canary Ingress for a weight, or an error when the stable Ingress never sends to stableService. */
export function canaryIngress(
  stable: Ingress,
  target: RouterTarget,
  opts: NginxOptions,
  weight: number,
  headerRoute: Record<string, string> = {},
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
    ...opts.canaryAnnotations,
    [`${prefix}/canary`]: 'true',
    [`${prefix}/canary-weight`]: String(weight),
  };
  // NGINX reads canary-weight out of 100 unless told another total (maxTrafficWeight).
  const total = totalWeight(target);
  if (total !== 100) annotations[`${prefix}/canary-weight-total`] = String(total);
  for (const [k, v] of Object.entries(opts.additionalAnnotations)) annotations[`${prefix}/${k}`] = v;
  // A header route step replaces a canary-by-header the user set in additionalIngressAnnotations.
  if (Object.keys(headerRoute).length > 0) {
    for (const k of HEADER_SUFFIXES) delete annotations[`${prefix}/${k}`];
    Object.assign(annotations, headerRoute);
  }
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

/**
 * The NGINX router: `stableIngress`, or each of `stableIngresses`, gets its own canary Ingress,
 * all set alike at every step; the weight counts as verified once every one carries it.
 */
export class NginxRouter implements TrafficRouter {
  readonly type = 'nginx';
  readonly routeSteps = ROUTE_STEP_SUPPORT.nginx;
  private readonly ingresses: OneIngress[];

  constructor(
    api: ObjectApi,
    target: RouterTarget,
    opts: Omit<NginxOptions, 'stableIngress'> & { stableIngresses: readonly string[] },
  ) {
    const { stableIngresses, ...rest } = opts;
    this.ingresses = stableIngresses.map(
      (stableIngress) => new OneIngress(api, target, { ...rest, stableIngress }),
    );
  }

  async setWeight(weight: number): Promise<void> {
    for (const one of this.ingresses) await one.setWeight(weight);
  }

  async verifyWeight(weight: number): Promise<boolean> {
    for (const one of this.ingresses) if (!(await one.verifyWeight(weight))) return false;
    return true;
  }

  async setHeaderRoute(set: SetHeaderRoute): Promise<void> {
    for (const one of this.ingresses) await one.setHeaderRoute(set);
  }

  setMirrorRoute(_set: SetMirrorRoute): Promise<void> {
    return Promise.reject(routeStepNotSupported(this.type, 'setMirrorRoute'));
  }

  async removeManagedRoutes(): Promise<void> {
    for (const one of this.ingresses) await one.apply(0, {});
  }
}

/** The canary Ingress of one stable Ingress. */
class OneIngress {
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly opts: NginxOptions;

  constructor(api: ObjectApi, target: RouterTarget, opts: NginxOptions) {
    this.api = api;
    this.target = target;
    this.opts = opts;
  }

  async setWeight(weight: number): Promise<void> {
    const header = carriedHeaderRoute(await this.canaryIngress(), this.opts.annotationPrefix);
    await this.apply(weight, header);
  }

  async verifyWeight(weight: number): Promise<boolean> {
    return (await this.canaryIngress())?.metadata.annotations?.[this.weightKey()] === String(weight);
  }

  /** Keeps the weight the canary Ingress has (0 before there is one). */
  async setHeaderRoute(set: SetHeaderRoute): Promise<void> {
    const weight = Number((await this.canaryIngress())?.metadata.annotations?.[this.weightKey()] ?? 0);
    const header = set.match?.length ? headerRouteAnnotations(set, this.opts.annotationPrefix) : {};
    await this.apply(weight, header);
  }

  async apply(weight: number, header: Record<string, string>): Promise<void> {
    const stable = await this.stableIngress();
    await applyRouted(this.api, ingresses, canaryIngress(stable, this.target, this.opts, weight, header));
  }

  private weightKey(): string {
    return `${this.opts.annotationPrefix}/canary-weight`;
  }

  private async canaryIngress(): Promise<Ingress | undefined> {
    const name = canaryIngressName(this.target.rolloutName, this.opts.stableIngress);
    try {
      return await this.api.get<Ingress>(ingresses, this.target.namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private stableIngress(): Promise<Ingress> {
    return getRouted<Ingress>(this.api, ingresses, this.target.namespace, this.opts.stableIngress);
  }
}
