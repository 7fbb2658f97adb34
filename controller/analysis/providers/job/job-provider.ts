// The `job` metric provider: each measurement runs a Job made from the metric's template and
// lasts as long as the Job does. The Job's name is kept in the measurement's metadata, so the
// next reconcile, or a restarted controller, looks at the same Job instead of starting another;
// creating a name that exists adopts it.

import { isNotFound, KubeApiError } from '../../../kube/api-errors.ts';
import type { ObjectApi } from '../../../kube/objects.ts';
import { core, type KubeObject } from '../../../kube/resources.ts';
import type { MeasureRequest, MeasureResult, MetricProvider } from '../provider.ts';
import { ProviderConfigError, ProviderError } from '../provider-errors.ts';
import {
  buildJob,
  JOB_METRIC_LABEL,
  JOB_NAME_KEY,
  JOB_RUN_UID_LABEL,
  jobOutcome,
  labelValue,
  type RunRef,
} from './job-manifest.ts';

const PROVIDER = 'Job';
/** A Job's change wakes its run through the Job watch; this is only the fallback. */
const RESUME_AFTER_MS = 10_000;

export class JobProvider implements MetricProvider {
  readonly type = PROVIDER;
  private readonly api: ObjectApi | undefined;

  constructor(api: ObjectApi | undefined) {
    this.api = api;
  }

  async measure(request: MeasureRequest): Promise<MeasureResult> {
    const api = this.cluster();
    const { run } = request;
    if (run === undefined) throw new ProviderConfigError(PROVIDER, 'the job provider needs the AnalysisRun');
    const inFlight = request.inFlight?.metadata?.[JOB_NAME_KEY];
    let job: KubeObject;
    if (inFlight === undefined) {
      const spec = request.provider.job ?? {};
      const manifest = buildJob(spec, run, request.metricName, request.measurementNumber ?? 1);
      job = await kubeCall(`create Job ${manifest.metadata.name}`, () =>
        api.create<KubeObject>(core.jobs, manifest).catch(async (error: unknown) => {
          if (error instanceof KubeApiError && error.code === 409) {
            return api.get<KubeObject>(core.jobs, run.namespace, manifest.metadata.name);
          }
          throw error;
        }),
      );
    } else {
      const found = await kubeCall(`read Job ${inFlight}`, () =>
        api.getOrUndefined<KubeObject>(core.jobs, run.namespace, inFlight),
      );
      if (found === undefined) {
        throw new ProviderError('bad-response', PROVIDER, `job ${inFlight} was deleted before it finished`);
      }
      job = found;
    }
    const name = job.metadata.name;
    const outcome = jobOutcome(job);
    const metadata = { [JOB_NAME_KEY]: name };
    if (outcome.phase === 'Running') {
      return {
        value: null,
        text: '',
        metadata,
        phase: 'Running',
        message: `job ${name} running`,
        resumeAfterMs: RESUME_AFTER_MS,
      };
    }
    return {
      value: outcome.phase,
      text: outcome.phase,
      metadata,
      phase: outcome.phase,
      message: outcome.message,
    };
  }

  async terminate(request: MeasureRequest): Promise<void> {
    const name = request.inFlight?.metadata?.[JOB_NAME_KEY];
    if (name === undefined || request.run === undefined) return;
    await this.cluster().delete(core.jobs, request.run.namespace, name, { propagationPolicy: 'Background' });
  }

  async garbageCollect(run: RunRef, metric: string, keep: ReadonlySet<string>): Promise<void> {
    const api = this.cluster();
    const jobs = await api.list<KubeObject>(core.jobs, run.namespace, {
      labelSelector: `${JOB_RUN_UID_LABEL}=${run.uid},${JOB_METRIC_LABEL}=${labelValue(metric)}`,
    });
    for (const job of jobs.items) {
      if (keep.has(job.metadata.name)) continue;
      await api.delete(core.jobs, run.namespace, job.metadata.name, { propagationPolicy: 'Background' });
    }
  }

  private cluster(): ObjectApi {
    if (this.api === undefined)
      throw new ProviderConfigError(PROVIDER, 'the job provider has no cluster access');
    return this.api;
  }
}

/** API failures are Error measurements: a rejected Job names what the API server said. */
async function kubeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KubeApiError) {
      const message = `${what}: ${error.message}`;
      if (error.code === 422 || error.code === 400)
        throw new ProviderConfigError(PROVIDER, message, { cause: error });
      if (!isNotFound(error)) throw new ProviderError('bad-response', PROVIDER, message, { cause: error });
    }
    throw error;
  }
}
