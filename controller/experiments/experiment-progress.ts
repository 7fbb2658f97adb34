// An Experiment's progress as a function of what it owns, following Argo Rollouts'
// experiments/experiment.go: each template is Progressing until all its replicas are available,
// then Running; once every template is available (`availableAt`) the analyses start and the
// duration counts. The Experiment fails when a template misses its progress deadline or an
// analysis fails, errs or is inconclusive; it succeeds when its duration has passed, when every
// `requiredForCompletion` analysis succeeded (without a duration), or when it is terminated.
// Once finished, its AnalysisRuns are terminated and, after scaleDownDelaySeconds, its
// ReplicaSets scaled to zero.

import type { AnalysisPhase } from '../api/analysis.ts';
import type { ExperimentSpec, ExperimentStatus, TemplateStatus } from '../api/experiment.ts';
import { apiTimeMillis } from '../runtime/api-time.ts';
import { formatDuration, parseDuration } from '../runtime/duration.ts';

const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/** A template's ReplicaSet as the cache shows it. */
export interface TemplateObservation {
  name: string;
  podTemplateHash: string;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** An analysis's AnalysisRun, once started. */
export interface AnalysisObservation {
  name: string;
  analysisRun: string;
  phase: AnalysisPhase | undefined;
  message: string | undefined;
}

interface ProgressInput {
  spec: ExperimentSpec;
  status: ExperimentStatus | undefined;
  /** metadata.creationTimestamp: a template's deadline counts from here until it first changes. */
  createdAt: string;
  now: Date;
  templates: readonly TemplateObservation[];
  analyses: readonly AnalysisObservation[];
}

export interface ExperimentDecision {
  phase: AnalysisPhase;
  message: string;
  templateStatuses: TemplateStatus[];
  availableAt: string | undefined;
  /** When it finished (this pass, or as status already says). */
  finishedAt: string | undefined;
  /** Replicas each template's ReplicaSet should have, by template name. */
  replicas: Map<string, number>;
  /** The analyses may start (every template is available and the Experiment goes on). */
  startAnalyses: boolean;
  /** Finished: running AnalysisRuns are told to stop. */
  finished: boolean;
  /** When something will change by time alone (the duration, a deadline). */
  requeueAfterMs: number | undefined;
}

const FINISHED: readonly AnalysisPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive'];

export function isFinished(phase: AnalysisPhase | undefined): boolean {
  return phase !== undefined && FINISHED.includes(phase);
}

export function decideExperiment(input: ProgressInput): ExperimentDecision {
  const { spec, status, now } = input;
  const deadlineMs = (spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) * 1000;
  let wake: number | undefined;
  const later = (at: number) => {
    const ms = Math.max(0, at - now.getTime());
    wake = wake === undefined ? ms : Math.min(wake, ms);
  };

  const templateStatuses = spec.templates.map((template): TemplateStatus => {
    const seen = input.templates.find((t) => t.name === template.name);
    const previous = status?.templateStatuses?.find((t) => t.name === template.name);
    const desired = template.replicas ?? 1;
    const available = seen?.availableReplicas ?? 0;
    let code: TemplateStatus['status'] =
      available >= desired && seen !== undefined ? 'Running' : 'Progressing';
    let message: string | undefined;
    // A template that has been available stays Running; only reaching it the first time has a deadline.
    if (previous?.status === 'Running' || previous?.status === 'Successful') code = previous.status;
    if (previous?.status === 'Failed' || previous?.status === 'Error') {
      code = previous.status;
      message = previous.message;
    }
    if (code === 'Progressing' && status?.availableAt === undefined) {
      const since = Date.parse(previous?.lastTransitionTime ?? input.createdAt);
      if (now.getTime() >= since + deadlineMs) {
        code = 'Failed';
        message = `template "${template.name}" did not have ${desired} available replicas within ${deadlineMs / 1000}s (progressDeadlineSeconds)`;
      } else {
        later(since + deadlineMs);
      }
    }
    const changed = previous?.status !== code;
    return {
      name: template.name,
      replicas: seen?.replicas ?? 0,
      updatedReplicas: seen?.replicas ?? 0,
      readyReplicas: seen?.readyReplicas ?? 0,
      availableReplicas: available,
      status: code,
      ...(message === undefined ? {} : { message }),
      lastTransitionTime: changed ? apiTimeMillis(now) : (previous?.lastTransitionTime ?? apiTimeMillis(now)),
      ...(seen === undefined ? {} : { podTemplateHash: seen.podTemplateHash }),
    };
  });

  const allAvailable = templateStatuses.every((t) => t.status === 'Running');
  const availableAt = status?.availableAt ?? (allAvailable ? apiTimeMillis(now) : undefined);
  const verdict = isFinished(status?.phase)
    ? { phase: status?.phase as AnalysisPhase, message: status?.message ?? '' }
    : judge(input, templateStatuses, availableAt, later);
  const finished = isFinished(verdict.phase);
  const finishedAt = finished ? (status?.finishedAt ?? apiTimeMillis(now)) : undefined;
  // The templates outlive the verdict by scaleDownDelaySeconds (for example while routes drain).
  const scaleDownAt =
    finishedAt === undefined ? 0 : Date.parse(finishedAt) + (spec.scaleDownDelaySeconds ?? 0) * 1000;
  const holding = finished && now.getTime() < scaleDownAt;
  if (holding) later(scaleDownAt);
  const replicas = new Map(spec.templates.map((t) => [t.name, finished && !holding ? 0 : (t.replicas ?? 1)]));
  // A template that ran until the end did its part, whatever the analyses found.
  if (finished) {
    for (const t of templateStatuses) if (t.status === 'Running') t.status = 'Successful';
  }
  return {
    ...verdict,
    templateStatuses,
    availableAt,
    finishedAt,
    replicas,
    startAnalyses: !finished && availableAt !== undefined,
    finished,
    requeueAfterMs: finished && !holding ? undefined : wake,
  };
}

function judge(
  input: ProgressInput,
  templates: readonly TemplateStatus[],
  availableAt: string | undefined,
  later: (at: number) => void,
): { phase: AnalysisPhase; message: string } {
  const { spec, now } = input;
  const failedTemplate = templates.find((t) => t.status === 'Failed' || t.status === 'Error');
  if (failedTemplate)
    return { phase: 'Failed', message: failedTemplate.message ?? `template "${failedTemplate.name}" failed` };
  for (const worst of ['Error', 'Failed', 'Inconclusive'] as const) {
    const run = input.analyses.find((a) => a.phase === worst);
    if (run) {
      const why = run.message ? `: ${run.message}` : '';
      return {
        phase: worst,
        message: `analysis "${run.name}" (AnalysisRun ${run.analysisRun}) ended ${worst}${why}`,
      };
    }
  }
  if (spec.terminate === true) return { phase: 'Successful', message: 'terminated' };
  if (availableAt === undefined) {
    const waiting = templates.filter((t) => t.status !== 'Running').map((t) => `"${t.name}"`);
    return { phase: 'Pending', message: `waiting for template ${waiting.join(', ')} to be available` };
  }
  if (spec.duration !== undefined) {
    const durationMs = parseDuration(spec.duration);
    const ends = Date.parse(availableAt) + durationMs;
    if (now.getTime() >= ends) return { phase: 'Successful', message: `ran for ${spec.duration}` };
    later(ends);
    return { phase: 'Running', message: `running for ${formatDuration(durationMs)} from ${availableAt}` };
  }
  const required = (spec.analyses ?? []).filter((a) => a.requiredForCompletion === true);
  if (required.length > 0) {
    const done = required.every((a) => input.analyses.find((r) => r.name === a.name)?.phase === 'Successful');
    if (done) return { phase: 'Successful', message: 'every analysis required for completion succeeded' };
    return { phase: 'Running', message: `waiting for ${required.map((a) => `"${a.name}"`).join(', ')}` };
  }
  return { phase: 'Running', message: 'running until terminated' };
}
