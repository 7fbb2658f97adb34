// The dashboard's pages as functions of the cluster's objects: what `get` prints, as data the
// page renders. Pure, so each page is tested without a cluster or a browser.

import type { AnalysisRun, MetricResult } from '../../controller/api/analysis.ts';
import type { Application } from '../../controller/api/application.ts';
import type { GitRepository } from '../../controller/api/git-repository.ts';
import { CONDITION_READY, type Condition } from '../../controller/api/meta.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import { assessHealth } from '../../controller/apps/health.ts';
import { parseInventoryId } from '../../controller/apps/manifest.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { stepString } from '../../controller/rollouts/canary/steps.ts';
import {
  ANALYSIS_TYPE_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  ROLLOUT_REVISION_ANNOTATION,
  STEP_INDEX_LABEL,
} from '../../controller/rollouts/labels.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { rolloutPatches, undoTemplate } from '../ops/rollout-patches.ts';
import {
  type AppDetail,
  type AppObject,
  type AppRow,
  type ConditionView,
  type MetricView,
  type Ready,
  ROLLOUT_ACTIONS,
  type RolloutAction,
  type RolloutDetail,
  type RolloutRow,
  type RunView,
  type SourceRow,
  type StepState,
  type VersionView,
} from './model.ts';

const byName = <T extends KubeObject>(a: T, b: T) =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
  a.metadata.name.localeCompare(b.metadata.name);

function readyOf(conditions: Condition[] | undefined): Ready {
  const c = conditions?.find((x) => x.type === CONDITION_READY);
  return c ? { status: c.status, reason: c.reason, message: c.message } : { status: 'Unknown' };
}

function conditionViews(conditions: Condition[] | undefined): ConditionView[] {
  return (conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    since: c.lastTransitionTime,
  }));
}

export function sourceRows(repos: GitRepository[]): SourceRow[] {
  return [...repos].sort(byName).map((r) => ({
    namespace: r.metadata.namespace ?? '',
    name: r.metadata.name,
    url: r.spec.url,
    revision: r.status?.artifact?.revision,
    ready: readyOf(r.status?.conditions),
    suspended: r.spec.suspend === true,
  }));
}

function appRow(app: Application): AppRow {
  const ns = app.metadata.namespace ?? '';
  const ref = app.spec.sourceRef;
  const chart = app.spec.helm?.chart;
  return {
    namespace: ns,
    name: app.metadata.name,
    source: ref
      ? `${ref.kind} ${ref.namespace ?? ns}/${ref.name}`
      : `chart ${chart?.name} ${chart?.version ?? '*'} from HelmRepository ${ns}/${chart?.sourceRef.name}`,
    revision: app.status?.lastAppliedRevision,
    sync: app.status?.syncStatus ?? 'Unknown',
    health: app.status?.health ?? 'Unknown',
    ready: readyOf(app.status?.conditions),
    suspended: app.spec.suspend === true,
  };
}

export function appRows(apps: Application[]): AppRow[] {
  return [...apps].sort(byName).map(appRow);
}

/**
 * Weights as percentages: with trafficRouting.maxTrafficWeight they are out of that total (the
 * canary's and the stable's add up to it), to one decimal place.
 */
export function percentages(
  canary: number,
  stable: number | undefined,
  verified: boolean | undefined,
): { canary: number; stable: number; verified: boolean | undefined } {
  const total = stable === undefined ? 100 : canary + stable;
  const pct = (n: number) => (total > 0 ? Math.round((n * 1000) / total) / 10 : 0);
  return { canary: pct(canary), stable: stable === undefined ? 100 - canary : pct(stable), verified };
}

function rolloutRow(ro: Rollout): RolloutRow {
  const st = ro.status ?? {};
  const steps = ro.spec.strategy.canary?.steps;
  const w = st.canary?.weights;
  return {
    namespace: ro.metadata.namespace ?? '',
    name: ro.metadata.name,
    strategy: ro.spec.strategy.canary ? 'Canary' : ro.spec.strategy.blueGreen ? 'BlueGreen' : 'Unknown',
    phase: st.phase ?? 'Unknown',
    message: st.message,
    step:
      steps && steps.length > 0
        ? { index: Math.min((st.currentStepIndex ?? 0) + 1, steps.length + 1) - 1, count: steps.length }
        : undefined,
    weights: w?.canary ? percentages(w.canary.weight, w.stable?.weight, w.verified) : undefined,
    aborted: st.abort === true,
    paused: ro.spec.paused === true || (st.pauseConditions?.length ?? 0) > 0,
    replicas: {
      desired: ro.spec.replicas ?? 1,
      ready: st.readyReplicas ?? 0,
      updated: st.updatedReplicas ?? 0,
      available: st.availableReplicas ?? 0,
    },
  };
}

export function rolloutRows(rollouts: Rollout[]): RolloutRow[] {
  return [...rollouts].sort(byName).map(rolloutRow);
}

const hashOf = (o: KubeObject) => o.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);

function stepStates(ro: Rollout): { text: string; state: StepState }[] {
  const index = ro.status?.currentStepIndex ?? 0;
  const aborted = ro.status?.abort === true;
  return (ro.spec.strategy.canary?.steps ?? []).map((step, i) => ({
    text: stepString(step),
    state: i < index ? 'done' : i === index ? (aborted ? 'aborted' : 'current') : 'pending',
  }));
}

function versionViews(ro: Rollout, replicaSets: ReplicaSet[]): VersionView[] {
  const st = ro.status ?? {};
  const roles = (hash: string) => {
    const r: string[] = [];
    if (hash === st.stableRS) r.push('stable');
    if (hash === st.currentPodHash && hash !== st.stableRS)
      r.push(ro.spec.strategy.blueGreen ? 'preview' : 'canary');
    if (hash === st.blueGreen?.activeSelector) r.push('active');
    return r;
  };
  return replicaSets
    .map((rs) => {
      const containers = (rs.spec.template.spec?.containers ?? []) as { image?: string }[];
      return {
        name: rs.metadata.name,
        revision: revisionOf(rs),
        hash: hashOf(rs),
        roles: roles(hashOf(rs)),
        images: containers.map((c) => c.image ?? '').filter((i) => i),
        desired: rs.spec.replicas ?? 1,
        ready: rs.status?.readyReplicas ?? 0,
        available: rs.status?.availableReplicas ?? 0,
      };
    })
    .sort((a, b) => b.revision - a.revision);
}

function metricView(m: MetricResult): MetricView {
  return {
    name: m.name,
    phase: m.phase,
    counts: {
      successful: m.successful ?? 0,
      failed: m.failed ?? 0,
      inconclusive: m.inconclusive ?? 0,
      error: m.error ?? 0,
    },
    measurements: (m.measurements ?? []).map((x) => ({
      phase: x.phase,
      value: x.value,
      at: x.finishedAt ?? x.startedAt,
      message: x.message,
    })),
    message: m.message,
    dryRun: m.dryRun === true,
  };
}

function runView(run: AnalysisRun): RunView {
  const type = run.metadata.labels?.[ANALYSIS_TYPE_LABEL] ?? '';
  const step = run.metadata.labels?.[STEP_INDEX_LABEL];
  const results = (run.status?.metricResults ?? []).map(metricView);
  const pending = run.spec.metrics
    .filter((m) => !results.some((r) => r.name === m.name))
    .map((m) => metricView({ name: m.name, phase: 'Pending' }));
  return {
    name: run.metadata.name,
    phase: run.status?.phase ?? 'Pending',
    what: type === 'step' && step !== undefined ? `step ${Number(step) + 1}` : type,
    revision: Number(run.metadata.annotations?.[ROLLOUT_REVISION_ANNOTATION] ?? 0),
    message: run.status?.message,
    startedAt: run.status?.startedAt ?? run.metadata.creationTimestamp,
    metrics: [...results, ...pending],
  };
}

/** Why each operation would be refused now, asked of the same code that writes it. */
function unavailable(ro: Rollout, replicaSets: ReplicaSet[]): Partial<Record<RolloutAction, string>> {
  const out: Partial<Record<RolloutAction, string>> = {};
  for (const action of ROLLOUT_ACTIONS) {
    try {
      if (action === 'undo') undoTemplate(ro, replicaSets);
      else rolloutPatches(ro, action);
    } catch (err) {
      out[action] = (err as Error).message;
    }
  }
  return out;
}

export interface RolloutObjects {
  rollout: Rollout;
  /** The ReplicaSets and AnalysisRuns the Rollout owns. */
  replicaSets: ReplicaSet[];
  runs: AnalysisRun[];
}

export function rolloutDetail({ rollout: ro, replicaSets, runs }: RolloutObjects): RolloutDetail {
  const sortedRuns = [...runs].sort((a, b) =>
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
  );
  return {
    ...rolloutRow(ro),
    steps: stepStates(ro),
    pauses: [
      ...(ro.status?.pauseConditions ?? []).map((p) => ({ reason: p.reason, since: p.startTime })),
      ...(ro.spec.paused ? [{ reason: 'spec.paused', since: '' }] : []),
    ],
    versions: versionViews(ro, replicaSets),
    runs: sortedRuns.map(runView),
    conditions: conditionViews(ro.status?.conditions),
    unavailable: unavailable(ro, replicaSets),
  };
}

/**
 * The file and line a render error names (`base/broken.yaml:5: …`, or inside a chart
 * `web/templates/settings.yaml:9:12: …`), so the page can point at them.
 */
export function errorLocation(message: string | undefined): { file: string; line: number } | undefined {
  const m = /(?:^|\s)([\w.@/-]+\.(?:ya?ml|json|tpl)):(\d+)(?::\d+)?:/.exec(message ?? '');
  return m?.[1] && m[2] ? { file: m[1], line: Number(m[2]) } : undefined;
}

/** An applied object, as its inventory entry names it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Empty for a cluster-scoped object. */
  namespace: string;
  name: string;
}

/** The live object, once its kind's list is in; the API server's refusal while it is not. */
export type ObjectLookup = (ref: ObjectRef) => {
  synced: boolean;
  object?: KubeObject | undefined;
  error?: string | undefined;
};

const UNREAD: ObjectLookup = () => ({ synced: false });

function inventoryObjects(app: Application, lookup: ObjectLookup): AppObject[] {
  return (app.status?.inventory?.entries ?? [])
    .map((e): AppObject => {
      let ref: ReturnType<typeof parseInventoryId>;
      try {
        ref = parseInventoryId(e);
      } catch {
        // An entry the controller did not write: show it as it is.
        return { kind: '', group: '', namespace: '', name: e.id, health: 'Unknown' };
      }
      const namespace = ref.namespace ?? '';
      const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
      const live = lookup({ apiVersion, kind: ref.kind, namespace, name: ref.name });
      // The controller's own rules, so the page and the Application's Healthy condition agree.
      const health = live.synced
        ? assessHealth(live.object)
        : { status: 'Unknown', message: live.error ?? 'loading' };
      return {
        kind: ref.kind,
        group: ref.group,
        namespace,
        name: ref.name,
        health: health.status,
        message: health.message,
      };
    })
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export function appDetail(
  app: Application,
  source: GitRepository | undefined,
  lookup: ObjectLookup = UNREAD,
): AppDetail {
  const st = app.status ?? {};
  const ready = readyOf(st.conditions);
  const failed = st.history?.find((h) => h.result !== 'Succeeded');
  const lastError = ready.status === 'False' ? ready.message : failed?.message;
  return {
    ...appRow(app),
    path: app.spec.path ?? '.',
    prune: app.spec.prune === true,
    // A git source's revision ('' before its first artifact); a chart's is the applied one.
    sourceRevision: app.spec.sourceRef ? (source?.status?.artifact?.revision ?? '') : undefined,
    attemptedRevision: st.lastAttemptedRevision,
    objects: inventoryObjects(app, lookup),
    lastError,
    errorAt: errorLocation(lastError),
    history: (st.history ?? []).map((h) => ({
      revision: h.revision,
      result: h.result,
      time: h.time,
      message: h.message,
    })),
    conditions: conditionViews(st.conditions),
  };
}
