// Experiment: versions of a pod template run side by side for a while, judged by analyses.
// Mirrors crds/experiments.sluice.dev.yaml, whose field names follow Argo Rollouts
// argoproj.io/v1alpha1 Experiment. A Rollout's canary `experiment` step creates one.

import type { AnalysisPhase, Argument, DryRun, MeasurementRetention } from './analysis.ts';
import type { CommonStatus, Duration, SluiceObject, SluiceResourceType, Time } from './meta.ts';
import { GROUP, VERSION } from './meta.ts';
import type { LabelSelector, PodTemplateSpec } from './rollout.ts';

export const experimentResource = {
  group: GROUP,
  version: VERSION,
  kind: 'Experiment',
  plural: 'experiments',
  singular: 'experiment',
  namespaced: true,
  shortNames: ['exp'],
} as const satisfies SluiceResourceType;

export interface ExperimentTemplate {
  name: string;
  /** Defaults to 1. */
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  /** A Service selecting this template's pods, named `name` or like its ReplicaSet. */
  service?: { name?: string };
}

export interface ExperimentAnalysis {
  /** Unique in the Experiment; the AnalysisRun is `<experiment>-<name>`. */
  name: string;
  templateName: string;
  clusterScope?: boolean;
  /** Values may use `{{templates.<name>.podTemplateHash}}` and `{{templates.<name>.replicaset.name}}`. */
  args?: Argument[];
  /** The Experiment ends when every such analysis has ended (without a duration). */
  requiredForCompletion?: boolean;
}

export interface ExperimentSpec {
  templates: ExperimentTemplate[];
  /** How long the templates run once available; unset: until the required analyses end, or terminate. */
  duration?: Duration;
  analyses?: ExperimentAnalysis[];
  /** Seconds a template may take to become available. Defaults to 600. */
  progressDeadlineSeconds?: number;
  terminate?: boolean;
  /** Seconds the templates keep running once the Experiment has finished. Sluice's default is 0. */
  scaleDownDelaySeconds?: number;
  /** Handed to every AnalysisRun of the Experiment, after its templates' own. */
  dryRun?: DryRun[];
  measurementRetention?: MeasurementRetention[];
}

/** As Argo's TemplateStatusCode. */
type TemplateStatusCode = 'Progressing' | 'Running' | 'Successful' | 'Failed' | 'Error';

export interface TemplateStatus {
  name: string;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  status: TemplateStatusCode;
  message?: string;
  lastTransitionTime?: Time;
  podTemplateHash?: string;
  /** The template's Service, while it exists. */
  serviceName?: string;
}

interface ExperimentAnalysisRunStatus {
  name: string;
  analysisRun: string;
  phase: AnalysisPhase;
  message?: string;
}

export interface ExperimentStatus extends CommonStatus {
  phase?: AnalysisPhase;
  message?: string;
  templateStatuses?: TemplateStatus[];
  analysisRuns?: ExperimentAnalysisRunStatus[];
  /** When every template first had all its replicas available: the duration counts from here. */
  availableAt?: Time;
  /** When the Experiment finished: scaleDownDelaySeconds counts from here. */
  finishedAt?: Time;
}

export type Experiment = SluiceObject<'Experiment', ExperimentSpec, ExperimentStatus>;
