// Creating AnalysisRuns as a user does and waiting for their outcome, for end-to-end tests.

import { expect } from 'vitest';
import {
  type AnalysisPhase,
  type AnalysisRun,
  analysisRunResource,
  type Measurement,
} from '../../controller/api/analysis.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { eventually, type TestCluster } from './cluster.ts';

const FINAL: readonly AnalysisPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];

interface RunEvent {
  type: string;
  reason: string;
  note: string;
}

export class AnalysisRunDriver {
  private readonly cluster: TestCluster;
  private readonly ns: string;

  constructor(cluster: TestCluster, ns: string) {
    this.cluster = cluster;
    this.ns = ns;
  }

  async create(name: string, spec: AnalysisRun['spec']): Promise<void> {
    await this.cluster.api.create<AnalysisRun>(analysisRunResource, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name, namespace: this.ns },
      spec,
    });
  }

  get(name: string): Promise<AnalysisRun> {
    return this.cluster.api.get<AnalysisRun>(analysisRunResource, this.ns, name);
  }

  /** Waits for a final phase; `seen` collects every phase observed on the way. */
  finished(name: string, timeoutMs = 30_000, seen?: Set<string>): Promise<AnalysisRun> {
    return eventually(
      async () => {
        const run = await this.get(name);
        seen?.add(run.status?.phase ?? 'none');
        expect(FINAL).toContain(run.status?.phase);
        return run;
      },
      timeoutMs,
      200,
    );
  }

  /** Events about the run; waits until one has `reason` when given. */
  events(name: string, reason?: string): Promise<RunEvent[]> {
    return eventually(async () => {
      const list = await this.cluster.api.list<KubeObject>(core.events, this.ns);
      const events = list.items
        .filter((e) => (e.regarding as { name?: string } | undefined)?.name === name)
        .map((e) => ({ type: String(e.type), reason: String(e.reason), note: String(e.note) }));
      if (reason !== undefined) expect(events.map((e) => e.reason)).toContain(reason);
      return events;
    });
  }
}

/** The measurements of a run's metric, oldest first. */
export function measurements(run: AnalysisRun, metric = 0): Measurement[] {
  return run.status?.metricResults?.[metric]?.measurements ?? [];
}
