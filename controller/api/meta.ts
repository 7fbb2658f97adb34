// Shared shapes of the sluice.dev API. These types mirror crds/*.yaml; test/unit/crds.test.ts checks
// that the constants here agree with the schemas.

export const GROUP = 'sluice.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = 'sluice.dev/v1alpha1';
type ApiVersion = typeof API_VERSION;

/** Set to any new value (a timestamp by convention) to ask for a reconcile now. */
export const RECONCILE_REQUESTED_AT_ANNOTATION = 'sluice.dev/reconcile-requested-at';
/** Flux's annotation for the same request (`flux reconcile` sets it), honoured alike. */
const FLUX_REQUESTED_AT_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';

/** A request's value as a time: Flux writes RFC 3339, our tools often milliseconds. */
function requestTime(value: string): number {
  const t = /^[0-9]+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * The reconcile request an object carries: ours or Flux's, the later when it has both (ours
 * when their times cannot be told apart), so one value is handled and recorded.
 */
export function reconcileRequest(annotations: Record<string, string> | undefined): string | undefined {
  const ours = annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION];
  const flux = annotations?.[FLUX_REQUESTED_AT_ANNOTATION];
  if (ours === undefined || flux === undefined) return ours ?? flux;
  return requestTime(flux) > requestTime(ours) ? flux : ours;
}

/** Condition types that follow kstatus: Ready summarises, the other two qualify it. */
export const CONDITION_READY = 'Ready';
export const CONDITION_RECONCILING = 'Reconciling';
export const CONDITION_STALLED = 'Stalled';

/** A Go-style duration limited to ms, s, m and h units, such as `1m30s`. */
export type Duration = string;
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** An RFC 3339 timestamp as the API server writes it, such as `2025-01-02T03:04:05Z`. */
export type Time = string;

/** `x-kubernetes-int-or-string`: a count, or a string such as `25%`, `10m` or `{{args.limit}}`. */
export type IntOrString = number | string;

/** How a resource is served; the same shape as `ResourceType` in controller/kube. */
export interface SluiceResourceType<K extends string = string> {
  readonly group: typeof GROUP;
  readonly version: typeof VERSION;
  readonly kind: K;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The subset of metav1.ObjectMeta the controller reads and writes. */
export interface ObjectMeta {
  name: string;
  namespace?: string | undefined;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: Time;
  deletionTimestamp?: Time;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** metav1.Condition; conditions lists are keyed by `type`. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: Time;
  /** PascalCase, machine-readable. */
  reason: string;
  message: string;
}

export interface LocalObjectReference {
  name: string;
}

export interface SecretKeySelector {
  name: string;
  key: string;
}

/**
 * A sluice.dev object. A type alias rather than an interface so that it is assignable to the
 * index-signature `KubeObject` the generic client helpers accept.
 */
export type SluiceObject<K extends string, Spec, Status> = {
  apiVersion?: ApiVersion;
  kind?: K;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
};

/** The status fields every kind shares. */
export interface CommonStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

/** Status fields of kinds that honour the reconcile-requested-at annotation. */
export interface ReconcileRequestStatus {
  /** The annotation value the controller last acted on. */
  lastHandledReconcileAt?: string;
}
