// The Experiment reconciler: each template runs as a ReplicaSet the Experiment owns, each
// analysis as an AnalysisRun it owns, started once every template is available; the outcome is
// decided by experiment-progress.ts and written once per reconcile.

import {
  AnalysisTemplateError,
  AnalysisTemplateNotFoundError,
  loadAnalysisTemplates,
  newAnalysisRun,
} from '../analysis/create-run.ts';
import { runConditions } from '../analysis/run-conditions.ts';
import { type AnalysisRun, analysisRunResource } from '../api/analysis.ts';
import {
  type Experiment,
  type ExperimentAnalysis,
  type ExperimentStatus,
  experimentResource,
} from '../api/experiment.ts';
import { KubeApiError } from '../kube/api-errors.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { hashOf, patchReplicaSet, type ReplicaSet } from '../rollouts/replica-sets.ts';
import type { EventRecorder, EventType } from '../runtime/events.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import { classify, type ReconcileError, StallingError } from '../runtime/reconcile-errors.ts';
import {
  type AnalysisObservation,
  decideExperiment,
  type ExperimentDecision,
  isFinished,
} from './experiment-progress.ts';
import {
  buildTemplateReplicaSet,
  experimentOwnerRef,
  resolveTemplateRefs,
  TemplateReferenceError,
  templateReplicaSetName,
} from './template-replica-sets.ts';
import {
  buildTemplateService,
  type TemplateService,
  TemplateServiceError,
  templateServiceName,
} from './template-services.ts';

export interface ExperimentReconcilerDeps {
  api: ObjectApi;
  events: Pick<EventRecorder, 'record'>;
  replicaSets: Pick<Informer<ReplicaSet>, 'ownedBy' | 'observe'>;
  analysisRuns: Pick<Informer<AnalysisRun>, 'ownedBy' | 'observe'>;
  now?: () => Date;
}

/** Templates may be applied after the Experiment (GitOps order): look again soon. */
const MISSING_TEMPLATE_RETRY_MS = 10_000;

/** On an Experiment's AnalysisRuns: which analysis of the Experiment the run is. */
const EXPERIMENT_ANALYSIS_LABEL = 'sluice.dev/experiment-analysis';

class ExperimentPass extends ReconcilePass<Experiment, ExperimentStatus> {
  replicaSets: ReplicaSet[] = [];
  runs: AnalysisRun[] = [];
  decision: ExperimentDecision | undefined;
  readonly events: { type: EventType; reason: string; message: string }[] = [];
}

export class ExperimentReconciler extends SkeletonReconciler<Experiment, ExperimentStatus, ExperimentPass> {
  readonly kind = 'Experiment';
  private readonly deps: ExperimentReconcilerDeps;

  constructor(deps: ExperimentReconcilerDeps) {
    // Guarded: the phase is the record a Rollout acts on; a stale write must not undo it.
    super({
      api: deps.api,
      resource: experimentResource,
      guardResourceVersion: true,
      failureReason: 'ReconcileFailed',
      now: deps.now,
    });
    this.deps = deps;
  }

  protected steps(): readonly Step<ExperimentPass>[] {
    return [
      (pass) => this.readWorld(pass),
      (pass) => this.ensureReplicaSets(pass),
      (pass) => this.decide(pass),
      (pass) => this.scaleReplicaSets(pass),
      (pass) => this.reconcileServices(pass),
      (pass) => this.startAnalyses(pass),
      (pass) => this.stopAnalyses(pass),
    ];
  }

  /** A finished Experiment whose ReplicaSets are at zero is a record. */
  protected override settled(exp: Experiment): boolean {
    return (
      isFinished(exp.status?.phase) && (exp.status?.templateStatuses ?? []).every((t) => t.replicas === 0)
    );
  }

  protected begin(exp: Experiment, log: Logger, now: Date): ExperimentPass {
    const pass = new ExperimentPass(exp, log, now);
    pass.status.observedGeneration = exp.metadata.generation;
    return pass;
  }

  private readWorld(pass: ExperimentPass): void {
    const uid = pass.object.metadata.uid;
    pass.replicaSets = this.deps.replicaSets.ownedBy(uid).filter((rs) => !rs.metadata.deletionTimestamp);
    pass.runs = this.deps.analysisRuns.ownedBy(uid);
  }

  /** Every template has its ReplicaSet, until the Experiment has finished. */
  private async ensureReplicaSets(pass: ExperimentPass): Promise<void> {
    const exp = pass.object;
    if (isFinished(exp.status?.phase)) return;
    for (const template of exp.spec.templates) {
      const name = templateReplicaSetName(exp, template.name);
      if (pass.replicaSets.some((rs) => rs.metadata.name === name)) continue;
      const rs = await this.createOrAdopt(core.replicaSets, buildTemplateReplicaSet(exp, template), exp);
      this.deps.replicaSets.observe(rs);
      pass.replicaSets.push(rs);
      pass.events.push({
        type: 'Normal',
        reason: 'ReplicaSetCreated',
        message: `Created ReplicaSet ${name} for template "${template.name}"`,
      });
    }
  }

  private decide(pass: ExperimentPass): void {
    const exp = pass.object;
    const analyses: AnalysisObservation[] = (exp.spec.analyses ?? []).flatMap((analysis) => {
      const run = pass.runs.find((r) => r.metadata.name === runName(exp, analysis));
      if (run === undefined) return [];
      return [
        {
          name: analysis.name,
          analysisRun: run.metadata.name,
          phase: run.status?.phase,
          message: run.status?.message,
        },
      ];
    });
    const decision = decideExperiment({
      spec: exp.spec,
      status: exp.status,
      createdAt: exp.metadata.creationTimestamp ?? pass.now.toISOString(),
      now: pass.now,
      templates: exp.spec.templates.flatMap((template) => {
        const rs = pass.replicaSets.find(
          (r) => r.metadata.name === templateReplicaSetName(exp, template.name),
        );
        if (rs === undefined) return [];
        return [
          {
            name: template.name,
            podTemplateHash: hashOf(rs) ?? '',
            replicas: rs.status?.replicas ?? 0,
            readyReplicas: rs.status?.readyReplicas ?? 0,
            availableReplicas: rs.status?.availableReplicas ?? 0,
          },
        ];
      }),
      analyses,
    });
    pass.decision = decision;
    const { status } = pass;
    status.phase = decision.phase;
    status.message = decision.message;
    status.templateStatuses = decision.templateStatuses;
    if (decision.availableAt !== undefined) status.availableAt = decision.availableAt;
    if (decision.finishedAt !== undefined) status.finishedAt = decision.finishedAt;
    status.analysisRuns = analyses.map((a) => ({
      name: a.name,
      analysisRun: a.analysisRun,
      phase: a.phase ?? 'Pending',
      ...(a.message ? { message: a.message } : {}),
    }));
    status.conditions = runConditions(
      status.conditions,
      exp.metadata.generation,
      decision.phase,
      decision.message,
      pass.now,
      'Experiment',
    );
    pass.requeue(decision.requeueAfterMs);
  }

  private async scaleReplicaSets(pass: ExperimentPass): Promise<void> {
    const decision = pass.decision as ExperimentDecision;
    for (const [template, replicas] of decision.replicas) {
      const rs = pass.replicaSets.find(
        (r) => r.metadata.name === templateReplicaSetName(pass.object, template),
      );
      if (rs === undefined || (rs.spec.replicas ?? 1) === replicas) continue;
      this.deps.replicaSets.observe(await patchReplicaSet(this.deps.api, rs, { replicas }));
    }
  }

  /**
   * A template with `service` has its Service while its ReplicaSet runs; once the ReplicaSet is
   * scaled to zero the Service goes.
   */
  private async reconcileServices(pass: ExperimentPass): Promise<void> {
    const exp = pass.object;
    const decision = pass.decision as ExperimentDecision;
    for (const template of exp.spec.templates) {
      const name = templateServiceName(exp, template);
      if (name === undefined) continue;
      const status = pass.status.templateStatuses?.find((t) => t.name === template.name);
      const rs = pass.replicaSets.find((r) => r.metadata.name === templateReplicaSetName(exp, template.name));
      const hash = rs && hashOf(rs);
      // Status says whether it was made; only a change costs a request.
      const had = exp.status?.templateStatuses?.find((t) => t.name === template.name)?.serviceName === name;
      if ((decision.replicas.get(template.name) ?? 0) > 0 && hash) {
        if (!had) {
          await this.createOrAdopt(core.services, buildTemplateService(exp, template, hash), exp);
          pass.events.push({
            type: 'Normal',
            reason: 'ServiceCreated',
            message: `Created Service ${name} for template "${template.name}"`,
          });
        }
        if (status) status.serviceName = name;
      } else if (had) {
        await this.deps.api.delete(core.services, exp.metadata.namespace, name);
      }
    }
  }

  /** Once every template is available, each analysis gets its AnalysisRun. */
  private async startAnalyses(pass: ExperimentPass): Promise<void> {
    const exp = pass.object;
    const decision = pass.decision as ExperimentDecision;
    if (!decision.startAnalyses) return;
    for (const analysis of exp.spec.analyses ?? []) {
      const name = runName(exp, analysis);
      if (pass.runs.some((r) => r.metadata.name === name)) continue;
      const templates = await loadAnalysisTemplates(this.deps.api, exp.metadata.namespace ?? 'default', [
        { templateName: analysis.templateName, ...(analysis.clusterScope ? { clusterScope: true } : {}) },
      ]);
      const refused = (analysis.args ?? []).find((a) => a.valueFrom?.podTemplateHashValue !== undefined);
      if (refused) {
        throw new TemplateReferenceError(
          `argument "${refused.name}": valueFrom.podTemplateHashValue is resolved by a Rollout's experiment step; in an Experiment use {{templates.<name>.podTemplateHash}}`,
        );
      }
      const run = newAnalysisRun({
        namespace: exp.metadata.namespace ?? 'default',
        name,
        templates,
        args: resolveTemplateRefs(exp, analysis.args ?? [], pass.status.templateStatuses ?? []),
        fieldSource: exp,
        ...(exp.spec.dryRun ? { dryRun: exp.spec.dryRun } : {}),
        ...(exp.spec.measurementRetention ? { measurementRetention: exp.spec.measurementRetention } : {}),
        labels: { [EXPERIMENT_ANALYSIS_LABEL]: analysis.name },
        ownerReferences: [experimentOwnerRef(exp)],
      });
      const created = await this.createOrAdopt(analysisRunResource, run, exp);
      this.deps.analysisRuns.observe(created);
      pass.runs.push(created);
      pass.status.analysisRuns = [
        ...(pass.status.analysisRuns ?? []),
        { name: analysis.name, analysisRun: name, phase: 'Pending' },
      ];
      pass.events.push({
        type: 'Normal',
        reason: 'AnalysisRunCreated',
        message: `Created AnalysisRun ${name} for analysis "${analysis.name}"`,
      });
    }
  }

  /** A finished Experiment stops the AnalysisRuns still measuring. */
  private async stopAnalyses(pass: ExperimentPass): Promise<void> {
    if (!(pass.decision as ExperimentDecision).finished) return;
    for (const run of pass.runs) {
      if (isFinished(run.status?.phase) || run.spec.terminate === true) continue;
      await this.deps.api.mergePatch(analysisRunResource, run.metadata.namespace, run.metadata.name, {
        spec: { terminate: true },
      });
    }
  }

  /** Creates the object, or adopts the one this Experiment already owns under that name. */
  private async createOrAdopt<T extends ReplicaSet | AnalysisRun | TemplateService>(
    resource: typeof core.replicaSets | typeof core.services | typeof analysisRunResource,
    obj: T,
    exp: Experiment,
  ): Promise<T> {
    try {
      return await this.deps.api.create<T>(resource, obj);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 409)) throw err;
      const existing = await this.deps.api.get<T>(resource, obj.metadata.namespace, obj.metadata.name);
      const owned = existing.metadata.ownerReferences?.some((r) => r.uid === exp.metadata.uid);
      if (!owned) {
        throw new StallingError(
          'NameTaken',
          `${resource.kind} ${obj.metadata.name} exists and is not owned by this Experiment`,
          { cause: err },
        );
      }
      return existing;
    }
  }

  protected override classify(thrown: unknown): ReconcileError {
    if (thrown instanceof AnalysisTemplateNotFoundError) {
      return new StallingError('AnalysisTemplateNotFound', thrown.message, {
        cause: thrown,
        retryAfterMs: MISSING_TEMPLATE_RETRY_MS,
      });
    }
    if (thrown instanceof TemplateServiceError) {
      return new StallingError('InvalidSpec', `spec.templates: ${thrown.message}`, { cause: thrown });
    }
    if (thrown instanceof AnalysisTemplateError || thrown instanceof TemplateReferenceError) {
      return new StallingError('InvalidSpec', `analysis: ${thrown.message}`, { cause: thrown });
    }
    return classify(thrown, 'ReconcileFailed');
  }

  /**
   * An analysis that cannot be made into a run ends the Experiment in Error, saying what to fix;
   * its ReplicaSets are scaled down on the next pass. Anything else writes nothing and is retried.
   */
  protected failed(pass: ExperimentPass, failure: ReconcileError): ReconcileError | undefined {
    const cause = failure.cause;
    if (!(cause instanceof AnalysisTemplateError || cause instanceof TemplateReferenceError)) {
      pass.status = structuredClone(pass.object.status ?? {});
      return failure;
    }
    pass.status.phase = 'Error';
    pass.status.message = failure.message;
    pass.status.conditions = runConditions(
      pass.status.conditions,
      pass.object.metadata.generation,
      'Error',
      failure.message,
      pass.now,
      'Experiment',
    );
    pass.requeue(0);
    return undefined;
  }

  protected override saved(pass: ExperimentPass, failure: ReconcileError | undefined): void {
    if (failure) return;
    const exp = pass.object;
    for (const e of pass.events) void this.deps.events.record(exp, e.type, e.reason, e.message);
    const before = exp.status?.phase;
    const after = pass.status.phase;
    if (after === undefined || after === before) return;
    pass.log.info({ phase: after, detail: pass.status.message }, 'experiment phase changed');
    const type = after === 'Failed' || after === 'Error' || after === 'Inconclusive' ? 'Warning' : 'Normal';
    void this.deps.events.record(exp, type, `Experiment${after}`, pass.status.message ?? after);
  }
}

function runName(exp: Experiment, analysis: ExperimentAnalysis): string {
  return `${exp.metadata.name}-${analysis.name}`;
}
