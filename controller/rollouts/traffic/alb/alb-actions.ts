// AWS Load Balancer Controller (Argo Rollouts' `alb`): the Ingress rule names an action
// (`service.name: <rootService or stableService>`, `port.name: use-annotation`), and the
// annotation `alb.ingress.kubernetes.io/actions.<that name>` holds a forward action whose target
// groups, the canary and stable Services on servicePort, carry the weights. The Ingress is the
// user's; only that annotation is written.

import type { ObjectApi } from '../../../kube/objects.ts';
import { RouterWithoutRouteSteps } from '../managed-routes.ts';
import { type Ingress, ingresses } from '../nginx/canary-ingress.ts';
import {
  getRouted,
  type RouterTarget,
  type TrafficRouter,
  TrafficRouterError,
  totalWeight,
} from '../router.ts';

interface AlbOptions {
  ingresses: readonly string[];
  servicePort: number;
  /** The Service name the Ingress rule uses for the action. */
  actionService: string;
  annotationPrefix: string;
}

/** The forward action, in the AWS Load Balancer Controller's JSON (field names as Argo writes them). */
interface AlbAction {
  Type: 'forward';
  ForwardConfig: { TargetGroups: { ServiceName: string; ServicePort: string; Weight: number }[] };
}

function albActionKey(opts: Pick<AlbOptions, 'annotationPrefix' | 'actionService'>): string {
  return `${opts.annotationPrefix}/actions.${opts.actionService}`;
}

export function albAction(target: RouterTarget, servicePort: number, weight: number): AlbAction {
  const port = String(servicePort);
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { ServiceName: target.canaryService, ServicePort: port, Weight: weight },
        { ServiceName: target.stableService, ServicePort: port, Weight: totalWeight(target) - weight },
      ],
    },
  };
}

/** Whether a rule (or the default backend) of the Ingress sends to the action's Service name. */
function usesAction(ing: Ingress, actionService: string): boolean {
  const paths = (ing.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);
  return [ing.spec?.defaultBackend, ...paths.map((p) => p.backend)].some(
    (b) => b?.service?.name === actionService,
  );
}

/** The canary weight an action annotation gives, or undefined when it is not ours to read. */
export function albActionWeight(value: string | undefined, target: RouterTarget): number | undefined {
  if (value === undefined) return undefined;
  try {
    const action = JSON.parse(value) as Partial<AlbAction>;
    const groups = action.ForwardConfig?.TargetGroups ?? [];
    const canary = groups.find((g) => g.ServiceName === target.canaryService)?.Weight;
    const stable = groups.find((g) => g.ServiceName === target.stableService)?.Weight;
    return canary !== undefined && stable === totalWeight(target) - canary ? canary : undefined;
  } catch {
    return undefined;
  }
}

export class AlbRouter extends RouterWithoutRouteSteps implements TrafficRouter {
  readonly type = 'alb';
  private readonly api: ObjectApi;
  private readonly target: RouterTarget;
  private readonly opts: AlbOptions;

  constructor(api: ObjectApi, target: RouterTarget, opts: AlbOptions) {
    super();
    this.api = api;
    this.target = target;
    this.opts = opts;
  }

  async setWeight(weight: number): Promise<void> {
    const key = albActionKey(this.opts);
    const value = JSON.stringify(albAction(this.target, this.opts.servicePort, weight));
    for (const name of this.opts.ingresses) {
      const ing = await this.get(name);
      if (ing.metadata.annotations?.[key] === value) continue;
      // A merge patch of the one annotation: the rest of the Ingress stays the user's.
      await this.api.mergePatch(ingresses, this.target.namespace, name, {
        metadata: { annotations: { [key]: value } },
      });
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    const key = albActionKey(this.opts);
    for (const name of this.opts.ingresses) {
      const ing = await this.get(name);
      if (albActionWeight(ing.metadata.annotations?.[key], this.target) !== weight) return false;
    }
    return true;
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }

  private async get(name: string): Promise<Ingress> {
    const ing = await getRouted<Ingress>(this.api, ingresses, this.target.namespace, name);
    if (!usesAction(ing, this.opts.actionService)) {
      throw new TrafficRouterError(
        'IngressNotManaged',
        `Ingress ${this.target.namespace}/${name} has no rule with backend service ${this.opts.actionService} (port name use-annotation) for the ALB action`,
      );
    }
    return ing;
  }
}
