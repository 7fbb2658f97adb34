// Rollout metric families: phase, step and canary weight per Rollout. Label values are the
// Rollout's namespace and name (bounded by the number of Rollouts) and the five phases —
// never a hash or a measured value.

import { Counter, Gauge, type Registry } from 'prom-client';
import { ROLLOUT_PHASES, type Rollout, type RolloutStatus } from '../api/rollout.ts';

export class RolloutMetrics {
  private readonly phase: Gauge<'namespace' | 'name' | 'phase'>;
  private readonly step: Gauge<'namespace' | 'name'>;
  private readonly weight: Gauge<'namespace' | 'name'>;
  readonly aborts: Counter<'namespace' | 'name'>;

  constructor(registry: Registry) {
    this.phase = new Gauge({
      name: 'sluice_rollout_phase',
      help: 'Phase of each Rollout: 1 for the current phase, 0 for the others.',
      labelNames: ['namespace', 'name', 'phase'] as const,
      registers: [registry],
    });
    this.step = new Gauge({
      name: 'sluice_rollout_step_index',
      help: 'Index of the canary step under way (the number of steps once all are done).',
      labelNames: ['namespace', 'name'] as const,
      registers: [registry],
    });
    this.weight = new Gauge({
      name: 'sluice_rollout_canary_weight',
      help: 'Percentage of traffic (or, without a router, of available pods) on the canary.',
      labelNames: ['namespace', 'name'] as const,
      registers: [registry],
    });
    this.aborts = new Counter({
      name: 'sluice_rollout_aborts_total',
      help: 'Updates aborted, by analysis, progress deadline or a person.',
      labelNames: ['namespace', 'name'] as const,
      registers: [registry],
    });
  }

  observe(ro: Rollout, status: RolloutStatus): void {
    const labels = { namespace: ro.metadata.namespace ?? '', name: ro.metadata.name };
    for (const phase of ROLLOUT_PHASES) this.phase.set({ ...labels, phase }, status.phase === phase ? 1 : 0);
    if (status.currentStepIndex !== undefined) this.step.set(labels, status.currentStepIndex);
    const weight = status.canary?.weights?.canary?.weight;
    if (weight !== undefined) this.weight.set(labels, weight);
  }

  forget(namespace: string, name: string): void {
    for (const phase of ROLLOUT_PHASES) this.phase.remove({ namespace, name, phase });
    this.step.remove({ namespace, name });
    this.weight.remove({ namespace, name });
    this.aborts.remove({ namespace, name });
  }
}
