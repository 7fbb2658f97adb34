// Stand-ins for the AnalysisRun reconciler's unit tests: an in-memory API server holding one run
// (status patches with resourceVersion preconditions, Secrets by name) and a provider that
// answers from a script.

import { ProviderUnreachableError } from '../../controller/analysis/providers/errors.ts';
import type {
  MeasureRequest,
  MeasureResult,
  MetricProvider,
} from '../../controller/analysis/providers/provider.ts';
import type { AnalysisRun } from '../../controller/api/analysis.ts';
import { KubeApiError } from '../../controller/kube/errors.ts';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import type { KubeObject, ResourceType } from '../../controller/kube/resources.ts';
import { isPlainObject } from '../../controller/runtime/merge-patch.ts';

/** A value the provider returns, or `down` for an unreachable server. */
type Step = number[] | 'down';

export class FakeCluster {
  run: AnalysisRun;
  readonly secrets = new Map<string, Record<string, string>>();

  constructor(run: AnalysisRun) {
    this.run = { ...run, metadata: { ...run.metadata, resourceVersion: '1', generation: 1, uid: 'uid-1' } };
  }

  api(): ObjectApi {
    const api = {
      getOrUndefined: async (_rt: ResourceType, _ns: string, name: string) => {
        const data = this.secrets.get(name);
        if (data === undefined) return undefined;
        const encoded = Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        );
        return { metadata: { name }, data: encoded };
      },
      mergePatch: async (_rt: ResourceType, _ns: string, _name: string, patch: Record<string, unknown>) => {
        const meta = patch.metadata as { resourceVersion?: string } | undefined;
        if (meta?.resourceVersion !== this.run.metadata.resourceVersion) {
          throw new KubeApiError(409, 'Conflict', 'the object has been modified');
        }
        const version = String(Number(this.run.metadata.resourceVersion) + 1);
        this.run = {
          ...this.run,
          metadata: { ...this.run.metadata, resourceVersion: version },
          status: applyMergePatch(this.run.status ?? {}, patch.status) as AnalysisRun['status'],
        };
        return this.run as KubeObject;
      },
    };
    return api as unknown as ObjectApi;
  }
}

function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
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
