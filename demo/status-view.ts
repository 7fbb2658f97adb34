// Turns readings into text: the status block redrawn in place on a terminal, the one-line
// status printed when it changes otherwise, and one line per new Event or measurement.

import type { AnalysisRun, Measurement } from '../controller/api/analysis.ts';
import type { CanaryStep, Rollout } from '../controller/api/rollout.ts';
import type { Snapshot } from './observe.ts';
import type { StandIn } from './stand-ins.ts';

export type Tone = 'plain' | 'good' | 'bad' | 'warn' | 'dim' | 'bold';

export interface Line {
  text: string;
  tone: Tone;
}

function describeStep(step: CanaryStep | undefined): string {
  if (!step) return 'done';
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause)
    return step.pause.duration === undefined ? 'pause (until promoted)' : `pause ${step.pause.duration}`;
  if (step.analysis)
    return `analysis ${step.analysis.templates.map((t) => t.templateName).join(', ')}`.trim();
  if (step.setCanaryScale) return 'setCanaryScale';
  return 'step';
}

/** `[0.3]` → `0.300`: a one-number vector shown as the number it stands for. */
export function formatValue(value: string | undefined): string {
  if (value === undefined || value === '') return '—';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  const single = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed;
  return typeof single === 'number' ? single.toFixed(3) : value;
}

function mark(m: Measurement): string {
  if (m.phase === 'Successful') return '✓';
  if (m.phase === 'Failed') return '✗';
  if (m.phase === 'Running' || m.phase === 'Pending') return '…';
  return '?';
}

function condition(run: AnalysisRun, metric: string): string {
  const spec = run.spec.metrics.find((m) => m.name === metric);
  if (spec?.successCondition) return `pass when ${spec.successCondition}`;
  if (spec?.failureCondition) return `fail when ${spec.failureCondition}`;
  return 'no condition';
}

interface RolloutSummary {
  phase: string;
  step: string;
  stable: string;
  canary: string | undefined;
  stableWeight: number;
  canaryWeight: number;
}

function summarise(s: Snapshot, ro: Rollout): RolloutSummary {
  const steps = ro.spec.strategy.canary?.steps ?? [];
  const index = ro.status?.currentStepIndex ?? 0;
  const version = (hash: string | undefined) => {
    const rs = s.replicaSets.find((r) => r.hash === hash);
    return rs ? `${rs.version} (${hash}) ${rs.readyReplicas}/${rs.specReplicas} ready` : (hash ?? 'none');
  };
  const stableHash = ro.status?.stableRS;
  const canaryHash = ro.status?.currentPodHash !== stableHash ? ro.status?.currentPodHash : undefined;
  const weights = ro.status?.canary?.weights;
  const canaryWeight = canaryHash === undefined ? 0 : (weights?.canary?.weight ?? 0);
  return {
    phase: ro.status?.phase ?? 'Pending',
    step:
      steps.length === 0
        ? 'no steps'
        : `step ${Math.min(index + 1, steps.length)}/${steps.length} ${describeStep(steps[index])}`,
    stable: version(stableHash),
    canary: canaryHash === undefined ? undefined : version(canaryHash),
    stableWeight: weights?.stable?.weight ?? 100 - canaryWeight,
    canaryWeight,
  };
}

function phaseTone(phase: string): Tone {
  if (phase === 'Healthy') return 'good';
  if (phase === 'Degraded') return 'bad';
  return 'warn';
}

function appLine(s: Snapshot): string {
  const app = s.app;
  if (!app) return 'application  not created yet';
  const revision =
    app.status?.lastAppliedRevision?.replace(/sha1:([0-9a-f]{7})[0-9a-f]*/, '$1') ?? 'none yet';
  const health = app.status?.health ?? 'Unknown';
  const why = app.status?.conditions?.find((c) => c.type === 'Healthy')?.message;
  return `application  ${app.status?.syncStatus ?? 'Unknown'} ${revision} · health ${health}${health !== 'Healthy' && why ? ` (${why})` : ''}`;
}

function latestRun(s: Snapshot, ro: Rollout): AnalysisRun | undefined {
  const hash = ro.status?.currentPodHash;
  return [...s.runs].reverse().find((r) => hash !== undefined && r.metadata.name.includes(`-${hash}-`));
}

/** The block shown at the bottom of a terminal. */
export function statusBlock(s: Snapshot | undefined, standIns: readonly StandIn[]): Line[] {
  const ro = s?.rollout;
  if (!s || !ro) return [{ text: 'rollout      waiting for the Application to create it', tone: 'dim' }];
  const sum = summarise(s, ro);
  const lines: Line[] = [
    {
      text: `rollout      ${ro.metadata.namespace}/${ro.metadata.name} ${sum.phase} · ${sum.step}`,
      tone: phaseTone(sum.phase),
    },
    { text: `  stable     ${sum.stable} · weight ${sum.stableWeight}%`, tone: 'plain' },
  ];
  if (sum.canary)
    lines.push({ text: `  canary     ${sum.canary} · weight ${sum.canaryWeight}%`, tone: 'plain' });
  if (ro.status?.message && sum.phase !== 'Healthy')
    lines.push({ text: `  message    ${ro.status.message}`, tone: 'dim' });
  const run = latestRun(s, ro);
  for (const result of run?.status?.metricResults ?? []) {
    const values = (result.measurements ?? []).map((m) => `${formatValue(m.value)}${mark(m)}`).join(' ');
    lines.push({
      text: `  analysis   ${run?.metadata.name} ${result.name}: ${values || 'waiting for the first measurement'} (${condition(run as AnalysisRun, result.name)}) → ${result.phase}`,
      tone: result.phase === 'Failed' ? 'bad' : result.phase === 'Successful' ? 'good' : 'plain',
    });
  }
  lines.push({ text: appLine(s), tone: s.app?.status?.health === 'Degraded' ? 'bad' : 'plain' });
  const pods = standIns.map(
    (p) =>
      `${p.version} (${p.hash}) ${p.readyReplicas} pod${p.readyReplicas === 1 ? '' : 's'}${p.errorRate > 0 ? ` ${Math.round(p.errorRate * 100)}% errors` : ''}`,
  );
  lines.push({ text: `stand-ins    ${pods.join(' · ') || 'none'}`, tone: 'dim' });
  return lines;
}

/** One line with what the block shows, for output that is not a terminal. */
export function statusLine(s: Snapshot | undefined): string | undefined {
  const ro = s?.rollout;
  if (!s || !ro) return undefined;
  const sum = summarise(s, ro);
  const canary = sum.canary ? ` · canary ${sum.canary} ${sum.canaryWeight}%` : '';
  return `status  ${sum.phase} · ${sum.step} · stable ${sum.stable} ${sum.stableWeight}%${canary} · app ${s.app?.status?.health ?? 'Unknown'}`;
}

/** Lines for what is new in `s`: Events of the controller and finished measurements. */
export function newLines(s: Snapshot, seen: Set<string>): Line[] {
  const lines: Line[] = [];
  for (const e of s.events) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    // Each measurement gets its own line below, with the value next to its condition.
    if (e.reason.startsWith('Measurement')) continue;
    lines.push({
      text: `event   ${e.regarding} ${e.reason}: ${e.note}`,
      tone: e.type === 'Warning' ? 'bad' : 'plain',
    });
  }
  for (const run of s.runs) {
    for (const result of run.status?.metricResults ?? []) {
      (result.measurements ?? []).forEach((m, i) => {
        if (m.finishedAt === undefined) return;
        const key = `${run.metadata.name}/${result.name}/${m.startedAt ?? i}`;
        if (seen.has(key)) return;
        seen.add(key);
        lines.push({
          text: `measure ${run.metadata.name} ${result.name} #${i + 1} = ${formatValue(m.value)} (${condition(run, result.name)}) → ${m.phase}`,
          tone: m.phase === 'Successful' ? 'good' : m.phase === 'Failed' ? 'bad' : 'warn',
        });
      });
    }
  }
  return lines;
}
