// Stand-ins for the AnalysisRun reconciler's unit tests: the shared fake cluster holding one run
// (status patches with resourceVersion preconditions, Secrets by name) and a provider that
// answers from a script.

import type {
  MeasureRequest,
  MeasureResult,
  MetricProvider,
} from '../../controller/analysis/providers/provider.ts';
import { ProviderUnreachableError } from '../../controller/analysis/providers/provider-errors.ts';
import { type AnalysisRun, analysisRunResource } from '../../controller/api/analysis.ts';
import { FakeCluster } from './fake-cluster.ts';

/** A value the provider returns, or `down` for an unreachable server. */
type Step = number[] | 'down';

/** The shared fake cluster holding one AnalysisRun. */
export class AnalysisRunCluster extends FakeCluster {
  private readonly name: string;
  private readonly namespace: string | undefined;

  constructor(run: AnalysisRun) {
    super();
    this.name = run.metadata.name;
    this.namespace = run.metadata.namespace;
    this.put(analysisRunResource, run);
  }

  /** The stored run: changing it is a change made behind the controller's back. */
  get run(): AnalysisRun {
    return this.stored<AnalysisRun>(analysisRunResource, this.namespace, this.name) as AnalysisRun;
  }
}

export class ScriptedProvider implements MetricProvider {
  readonly type = 'Prometheus';
  readonly steps: Step[] = [];
  readonly requests: MeasureRequest[] = [];

  async measure(request: MeasureRequest): Promise<MeasureResult> {
    this.requests.push(request);
    const step = this.steps.shift() ?? [0.01];
    if (step === 'down') {
      throw new ProviderUnreachableError(
        'Prometheus',
        'Prometheus at http://prom:9090/api/v1/query is unreachable: connect ECONNREFUSED',
        'ECONNREFUSED',
      );
    }
    return {
      value: step,
      text: JSON.stringify(step),
      metadata: { ResolvedPrometheusQuery: String(request.provider.prometheus?.query) },
    };
  }
}
