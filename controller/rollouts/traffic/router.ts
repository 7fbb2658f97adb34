// The one small interface every canary traffic router implements (after Argo Rollouts'
// trafficrouting.TrafficRoutingReconciler): set a weight, verify it, remove what we added.
// Each router lives in its own folder and is picked from spec.strategy.canary.trafficRouting.

/** The Services and Rollout a router works for. */
export interface RouterTarget {
  rolloutName: string;
  rolloutUid: string;
  namespace: string;
  stableService: string;
  canaryService: string;
}

export interface TrafficRouter {
  /** For logs and events: `gatewayAPI`, `istio`, `smi`, `nginx`. */
  readonly type: string;
  /** Sends `weight` percent of traffic (0-100) to the canary Service, the rest to stable. */
  setWeight(weight: number): Promise<void>;
  /** Whether the weight is in effect; undefined when the router has no way to tell. */
  verifyWeight(weight: number): Promise<boolean | undefined>;
  /** Removes routes and objects the router added for the canary; traffic goes to stable. */
  removeManagedRoutes(): Promise<void>;
}

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
