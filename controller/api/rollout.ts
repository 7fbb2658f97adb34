// Rollout: progressive delivery of a pod template. Mirrors crds/rollouts.sluice.dev.yaml, whose field
// names follow Argo Rollouts argoproj.io/v1alpha1 Rollout so its manifests port by changing apiVersion.

import type { AntiAffinity, EphemeralMetadata } from '../rollouts/pod-extras/pod-extras.ts';
import type { AnalysisPhase, Argument, DryRun, MeasurementRetention } from './analysis.ts';
import type { CommonStatus, IntOrString, SluiceObject, SluiceResourceType, Time } from './meta.ts';
import { GROUP, VERSION } from './meta.ts';

export const rolloutResource = {
  group: GROUP,
  version: VERSION,
  kind: 'Rollout',
  plural: 'rollouts',
  singular: 'rollout',
  namespaced: true,
  shortNames: ['ro'],
} as const satisfies SluiceResourceType;

/** Values the controller assumes when a field is unset (as Argo Rollouts does). */
export const ROLLOUT_DEFAULTS = {
  replicas: 1,
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
  minReadySeconds: 0,
  canaryMaxSurge: '25%',
  canaryMaxUnavailable: '25%',
  blueGreenMaxUnavailable: 0,
  scaleDownDelaySeconds: 30,
  abortScaleDownDelaySeconds: 30,
  maxTrafficWeight: 100,
  autoPromotionEnabled: true,
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
  backgroundAnalysisStartingStep: 0,
  nginxAnnotationPrefix: 'nginx.ingress.kubernetes.io',
  albAnnotationPrefix: 'alb.ingress.kubernetes.io',
  workloadRefApiVersion: 'apps/v1',
  workloadRefScaleDown: 'never',
} as const;

export const ROLLOUT_PHASES = ['Healthy', 'Progressing', 'Paused', 'Degraded'] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

export const PAUSE_REASONS = [
  'CanaryPauseStep',
  'BlueGreenPause',
  'InconclusiveAnalysisRun',
  'InconclusiveExperiment',
] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export const WORKLOAD_SCALE_DOWN_MODES = ['never', 'onsuccess', 'progressively'] as const;
export type WorkloadScaleDown = (typeof WORKLOAD_SCALE_DOWN_MODES)[number];

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: LabelSelectorOperator; values?: string[] }[];
}

/** A corev1.PodTemplateSpec; the schema keeps it opaque, so only the parts read here are typed. */
export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

interface WorkloadRef {
  /** Defaults to apps/v1. */
  apiVersion?: string;
  kind: 'Deployment';
  name: string;
  scaleDown?: WorkloadScaleDown;
}

export interface AnalysisTemplateRef {
  templateName: string;
  /** Refers to a ClusterAnalysisTemplate. */
  clusterScope?: boolean;
}

/** An analysis a Rollout starts: a canary step, background, or blue-green pre/post promotion. */
export interface RolloutAnalysis {
  templates: AnalysisTemplateRef[];
  args?: Argument[];
  dryRun?: DryRun[];
  measurementRetention?: MeasurementRetention[];
  analysisRunMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

interface RolloutAnalysisBackground extends RolloutAnalysis {
  startingStep?: number;
}

/** Exactly one field is set. */
export interface SetCanaryScale {
  weight?: number;
  replicas?: number;
  matchTrafficWeight?: boolean;
}

interface RolloutPause {
  /** Seconds, or a duration string such as `5m`. Unset: until promoted. */
  duration?: IntOrString;
}

/** Exactly one field is set (Argo Rollouts' StringMatch). */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

interface HeaderRoutingMatch {
  headerName: string;
  headerValue: StringMatch;
}

/** Requests matching any entry go to the canary; without match the route is removed. */
export interface SetHeaderRoute {
  /** One of trafficRouting.managedRoutes. */
  name: string;
  match?: HeaderRoutingMatch[];
}

interface RouteMatch {
  method?: StringMatch;
  path?: StringMatch;
  headers?: Record<string, StringMatch>;
}

/** A copy of matching requests goes to the canary; without match the route is removed. */
export interface SetMirrorRoute {
  /** One of trafficRouting.managedRoutes. */
  name: string;
  match?: RouteMatch[];
  /** Percent of matching requests mirrored; defaults to 100. */
  percentage?: number;
}

/** A template of an experiment step: the stable or canary version, run as its own ReplicaSet. */
export interface RolloutExperimentTemplate {
  name: string;
  specRef: 'stable' | 'canary';
  /** Defaults to 1. */
  replicas?: number;
  /** Traffic to the template; refused: no Sluice router sends traffic to experiment templates. */
  weight?: number;
  /** Added to the pod template's labels (and the selector) and annotations. */
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Replaces the version's selector. */
  selector?: LabelSelector;
}

interface RolloutExperimentAnalysis {
  name: string;
  templateName: string;
  clusterScope?: boolean;
  /** `podTemplateHashValue` and `fieldRef` are resolved when the Experiment is created. */
  args?: Argument[];
  requiredForCompletion?: boolean;
}

export interface RolloutExperimentStep {
  duration?: string;
  templates: RolloutExperimentTemplate[];
  analyses?: RolloutExperimentAnalysis[];
}

/** Exactly one field is set. */
export interface CanaryStep {
  /** 0 to trafficRouting.maxTrafficWeight (100 unless set). */
  setWeight?: number;
  pause?: RolloutPause;
  analysis?: RolloutAnalysis;
  setCanaryScale?: SetCanaryScale;
  setHeaderRoute?: SetHeaderRoute;
  setMirrorRoute?: SetMirrorRoute;
  experiment?: RolloutExperimentStep;
}

/** Exactly one of stableIngress and stableIngresses. */
interface NginxTrafficRouting {
  stableIngress?: string;
  stableIngresses?: string[];
  annotationPrefix?: string;
  additionalIngressAnnotations?: Record<string, string>;
  canaryIngressAnnotations?: Record<string, string>;
}

/** A TLS route of a VirtualService, matched by its port and exactly these SNI hosts. */
export interface IstioTlsRoute {
  port?: number;
  sniHosts?: string[];
}

export interface IstioVirtualService {
  name: string;
  /** HTTP route names; may be omitted when the VirtualService has one HTTP route. */
  routes?: string[];
  tlsRoutes?: IstioTlsRoute[];
  /** TCP routes, each found by the one port its matches name. */
  tcpRoutes?: { port: number }[];
}

/** Subset-level splitting: the two subsets follow the canary and stable pod hashes. */
export interface IstioDestinationRule {
  name: string;
  canarySubsetName: string;
  stableSubsetName: string;
}

/** Exactly one of virtualService and virtualServices is set. */
interface IstioTrafficRouting {
  virtualService?: IstioVirtualService;
  virtualServices?: IstioVirtualService[];
  destinationRule?: IstioDestinationRule;
}

interface SmiTrafficRouting {
  /** Defaults to stableService. */
  rootService?: string;
  /** Defaults to the Rollout's name. */
  trafficSplitName?: string;
}

/** Exactly one of httpRoute and httpRoutes is set. */
interface GatewayApiTrafficRouting {
  httpRoute?: string;
  httpRoutes?: { name: string }[];
  /** Defaults to the Rollout's namespace. */
  namespace?: string;
}

interface TraefikTrafficRouting {
  /** A TraefikService whose `spec.weighted.services` name both the stable and canary Services. */
  weightedTraefikServiceName: string;
}

interface ApisixTrafficRouting {
  route: {
    /** An ApisixRoute in the Rollout's namespace. */
    name: string;
    /** Names of its HTTP rules to change; defaults to the one rule named like the route. */
    rules?: string[];
  };
}

interface AmbassadorTrafficRouting {
  /** Mappings to stableService; each gets a `<name>-canary` copy to canaryService with a weight. */
  mappings: string[];
}

/** Exactly one of ingress and ingresses is set. */
interface AlbTrafficRouting {
  ingress?: string;
  ingresses?: string[];
  servicePort: number;
  /** The Service the Ingress rule names for the action; defaults to stableService. */
  rootService?: string;
  /** Defaults to alb.ingress.kubernetes.io. */
  annotationPrefix?: string;
}

/**
 * At least one field is set; with several, each router is set at every step. Absent trafficRouting
 * means replica-ratio (plus Service selectors).
 */
interface TrafficRouting {
  /** Routes the steps add, highest precedence first; removed at the end of an update and on abort. */
  managedRoutes?: { name: string }[];
  nginx?: NginxTrafficRouting;
  istio?: IstioTrafficRouting;
  smi?: SmiTrafficRouting;
  gatewayAPI?: GatewayApiTrafficRouting;
  alb?: AlbTrafficRouting;
  ambassador?: AmbassadorTrafficRouting;
  traefik?: TraefikTrafficRouting;
  apisix?: ApisixTrafficRouting;
  /** The total the weights are out of: setWeight steps and each router's weights. Defaults to 100. */
  maxTrafficWeight?: number;
}

export interface CanaryStrategy {
  canaryService?: string;
  stableService?: string;
  steps?: CanaryStep[];
  analysis?: RolloutAnalysisBackground;
  trafficRouting?: TrafficRouting;
  /** A count or `N%`. */
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  scaleDownDelaySeconds?: number;
  abortScaleDownDelaySeconds?: number;
  dynamicStableScale?: boolean;
  /** With trafficRouting: at least this many pods in the canary and stable ReplicaSets while they take traffic. */
  minPodsPerReplicaSet?: number;
  /** With trafficRouting: the canary pods that must be available for a step to go on (all of them unless set). */
  replicaProgressThreshold?: { type: 'Percent' | 'Pod'; value: number };
  /** With trafficRouting: how many older ReplicaSets may wait for their scale-down delay at once. */
  scaleDownDelayRevisionLimit?: number;
  antiAffinity?: AntiAffinity;
  canaryMetadata?: EphemeralMetadata;
  stableMetadata?: EphemeralMetadata;
}

export interface BlueGreenStrategy {
  activeService: string;
  previewService?: string;
  previewReplicaCount?: number;
  autoPromotionEnabled?: boolean;
  autoPromotionSeconds?: number;
  maxUnavailable?: IntOrString;
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  abortScaleDownDelaySeconds?: number;
  prePromotionAnalysis?: RolloutAnalysis;
  postPromotionAnalysis?: RolloutAnalysis;
  antiAffinity?: AntiAffinity;
  activeMetadata?: EphemeralMetadata;
  previewMetadata?: EphemeralMetadata;
}

/** Exactly one field is set. */
interface RolloutStrategy {
  canary?: CanaryStrategy;
  blueGreen?: BlueGreenStrategy;
}

export interface RolloutSpec {
  replicas?: number;
  /** Required with template; with workloadRef it is taken from the Deployment. */
  selector?: LabelSelector;
  /** Exactly one of template and workloadRef is set. */
  template?: PodTemplateSpec;
  workloadRef?: WorkloadRef;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  /** Replace every pod created before this time, one at a time (restart/restart-plan.ts). */
  restartAt?: Time;
  progressDeadlineSeconds?: number;
  progressDeadlineAbort?: boolean;
  rollbackWindow?: { revisions?: number };
  analysis?: { successfulRunHistoryLimit?: number; unsuccessfulRunHistoryLimit?: number };
  strategy: RolloutStrategy;
}

export interface PauseCondition {
  reason: PauseReason;
  startTime: Time;
}

interface WeightDestination {
  weight: number;
  serviceName?: string;
  podTemplateHash?: string;
}

interface TrafficWeights {
  canary?: WeightDestination;
  stable?: WeightDestination;
  verified?: boolean;
}

export interface RolloutAnalysisRunStatus {
  name: string;
  status: AnalysisPhase;
  message?: string;
}

interface CanaryStatus {
  weights?: TrafficWeights;
  currentStepAnalysisRunStatus?: RolloutAnalysisRunStatus;
  /** The Experiment of the current experiment step. */
  currentExperiment?: string;
  currentBackgroundAnalysisRunStatus?: RolloutAnalysisRunStatus;
}

interface BlueGreenStatus {
  activeSelector?: string;
  previewSelector?: string;
  scaleUpPreviewCheckPoint?: boolean;
  prePromotionAnalysisRunStatus?: RolloutAnalysisRunStatus;
  postPromotionAnalysisRunStatus?: RolloutAnalysisRunStatus;
}

/**
 * observedGeneration and workloadObservedGeneration are integers here, unlike Argo Rollouts'
 * strings, so kstatus-style readers (and Application health checks) can compare them with
 * metadata.generation.
 */
export interface RolloutStatus extends CommonStatus {
  phase?: RolloutPhase;
  message?: string;
  /** Equals the number of steps once every step is done. */
  currentStepIndex?: number;
  currentStepHash?: string;
  currentPodHash?: string;
  /** pod-template-hash of the stable ReplicaSet. */
  stableRS?: string;
  /** Source revision the stable ReplicaSet was created for (its sluice.dev/source-revision). */
  stableRevision?: string;
  /** Source revision of the newest ReplicaSet while it is not stable (canary, preview, or aborted). */
  canaryRevision?: string;
  abort?: boolean;
  abortedAt?: Time;
  /** The spec.restartAt carried out. */
  restartedAt?: Time;
  pauseConditions?: PauseCondition[];
  controllerPause?: boolean;
  promoteFull?: boolean;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  collisionCount?: number;
  /** Serialised label selector, for the scale subresource. */
  selector?: string;
  workloadObservedGeneration?: number;
  canary?: CanaryStatus;
  blueGreen?: BlueGreenStatus;
}

export type Rollout = SluiceObject<'Rollout', RolloutSpec, RolloutStatus>;
