// The Jobs of the job metric provider as data: the Job a measurement creates, its name, and
// what a Job's conditions say about the measurement. Argo Rollouts' `job` provider
// (metricproviders/job) is the model: the measurement runs while the Job does, is Successful
// when the Job completes and Failed when it fails.

import { condition } from '../../../apps/health/object.ts';
import type { KubeObject } from '../../../kube/resources.ts';
import { shortHash } from '../../../rollouts/hash.ts';
import { ProviderConfigError } from '../provider-errors.ts';

/** On each Job: the uid and name of the AnalysisRun and the metric it measures. */
export const JOB_RUN_UID_LABEL = 'sluice.dev/analysis-run-uid';
const JOB_RUN_NAME_LABEL = 'sluice.dev/analysis-run';
export const JOB_METRIC_LABEL = 'sluice.dev/metric-name';
/** Measurement metadata key naming the Job, so a later reconcile looks at the same one. */
export const JOB_NAME_KEY = 'job-name';

/** The job controller copies a Job's name into a pod label, and label values are at most 63 characters. */
const MAX_JOB_NAME = 63;

export interface JobMetricSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export interface RunRef {
  name: string;
  namespace: string;
  uid: string;
}

/** `<run>-<metric>-<n>`, shortened with a hash of the whole when it is too long for a label value. */
export function jobName(run: string, metric: string, n: number): string {
  const full = `${run}-${metric}-${n}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  if (full.length <= MAX_JOB_NAME) return full;
  const suffix = `-${shortHash(full)}-${n}`;
  return `${full.slice(0, MAX_JOB_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** Throws `ProviderConfigError` when the spec cannot make a Job. */
export function buildJob(spec: JobMetricSpec, run: RunRef, metric: string, n: number): KubeObject {
  const jobSpec = spec.spec;
  if (jobSpec === undefined || typeof jobSpec !== 'object' || jobSpec === null) {
    throw new ProviderConfigError('Job', 'job.spec is required');
  }
  if (typeof jobSpec.template !== 'object' || jobSpec.template === null) {
    throw new ProviderConfigError('Job', 'job.spec.template is required');
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(run.name, metric, n),
      namespace: run.namespace,
      labels: {
        ...spec.metadata?.labels,
        [JOB_RUN_UID_LABEL]: run.uid,
        [JOB_RUN_NAME_LABEL]: labelValue(run.name),
        [JOB_METRIC_LABEL]: labelValue(metric),
      },
      ...(spec.metadata?.annotations ? { annotations: { ...spec.metadata.annotations } } : {}),
      // The run owns its Jobs: deleting the run deletes them.
      ownerReferences: [
        {
          apiVersion: 'sluice.dev/v1alpha1',
          kind: 'AnalysisRun',
          name: run.name,
          uid: run.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: jobSpec,
  };
}

export type JobOutcome = { phase: 'Running' } | { phase: 'Successful' | 'Failed'; message: string };

/** What a Job's conditions say, read with the health module's condition helper. */
export function jobOutcome(job: KubeObject): JobOutcome {
  const failed = condition(job, 'Failed');
  if (failed?.status === 'True') {
    const why = [failed.reason, failed.message].filter(Boolean).join(': ');
    return { phase: 'Failed', message: `job ${job.metadata.name} failed${why ? `: ${why}` : ''}` };
  }
  if (condition(job, 'Complete')?.status === 'True') {
    return { phase: 'Successful', message: `job ${job.metadata.name} completed` };
  }
  return { phase: 'Running' };
}

/**
 * A name as a label value: at most 63 characters of [A-Za-z0-9-_.], starting and ending with a
 * letter or digit; a name that is not one already is shortened or cleaned and keeps a hash of itself.
 */
export function labelValue(value: string): string {
  if (/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) return value;
  const cleaned = value.replace(/[^-A-Za-z0-9_.]+/g, '-').slice(0, 50);
  return `${cleaned}-${shortHash(value)}`.replace(/^[^A-Za-z0-9]+/, '');
}
