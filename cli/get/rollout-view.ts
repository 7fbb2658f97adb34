// `get rollout`: the header says where the update is (phase, step, weights, pauses), the steps
// show the current one, and the tree groups ReplicaSets, their pods and AnalysisRuns (with the
// latest measurement of each metric) by revision, as Argo Rollouts' plugin does.

import type { AnalysisRun, MetricResult } from '../../controller/api/analysis.ts';
import type { Experiment } from '../../controller/api/experiment.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { stepString } from '../../controller/rollouts/canary/steps.ts';
import {
  ANALYSIS_TYPE_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  ROLLOUT_REVISION_ANNOTATION,
  SCALE_DOWN_DEADLINE_ANNOTATION,
  STEP_INDEX_LABEL,
} from '../../controller/rollouts/labels.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { conditionNodes } from './source-view.ts';
import { age, fields, renderTree, type TreeNode } from './tree.ts';

export interface Pod extends KubeObject {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string } };
    }[];
  };
}

interface RolloutData {
  rollout: Rollout;
  replicaSets: ReplicaSet[];
  pods: Pod[];
  runs: AnalysisRun[];
  /** The Experiments of its experiment steps. */
  experiments?: Experiment[];
  now: Date;
}

const hashOf = (o: KubeObject) => o.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);

export function renderRollout(d: RolloutData): string {
  return [header(d), steps(d), conditions(d), resources(d)].filter((s) => s).join('\n');
}

function header(d: RolloutData): string {
  const ro = d.rollout;
  const st = ro.status ?? {};
  const canary = ro.spec.strategy.canary;
  const bg = ro.spec.strategy.blueGreen;
  const stepCount = canary?.steps?.length ?? 0;
  const index = st.currentStepIndex ?? 0;
  const w = st.canary?.weights;
  const revisionOfHash = (hash: string | undefined) => {
    const rs = d.replicaSets.find((r) => hashOf(r) === hash);
    return hash ? `${hash}${rs ? ` (revision ${revisionOf(rs)})` : ''}` : undefined;
  };
  const pauses = (st.pauseConditions ?? [])
    .map((p) => `${p.reason} since ${p.startTime} (${age(p.startTime, d.now)})`)
    .concat(ro.spec.paused ? ['spec.paused (pause/resume)'] : []);
  const replicas = `desired ${ro.spec.replicas ?? 1}, current ${st.replicas ?? 0}, updated ${st.updatedReplicas ?? 0}, ready ${st.readyReplicas ?? 0}, available ${st.availableReplicas ?? 0}`;
  return fields([
    ['Name', ro.metadata.name],
    ['Namespace', ro.metadata.namespace],
    ['Phase', st.phase ?? 'Unknown'],
    ['Message', st.message],
    ['Strategy', canary ? 'Canary' : bg ? 'BlueGreen' : 'unknown'],
    [
      '  Step',
      canary && stepCount > 0
        ? `${Math.min(index + 1, stepCount)}/${stepCount}${index >= stepCount ? ' (done)' : ''}`
        : undefined,
    ],
    [
      '  Weight',
      w?.canary
        ? `canary ${w.canary.weight}, stable ${w.stable?.weight ?? 100 - w.canary.weight}${w.verified === undefined ? '' : w.verified ? ' (verified)' : ' (not verified yet)'}`
        : undefined,
    ],
    ['  Active', bg ? revisionOfHash(st.blueGreen?.activeSelector) : undefined],
    ['  Preview', bg ? revisionOfHash(st.blueGreen?.previewSelector) : undefined],
    ['Stable', revisionOfHash(st.stableRS)],
    [
      'Desired',
      st.currentPodHash && st.currentPodHash !== st.stableRS ? revisionOfHash(st.currentPodHash) : undefined,
    ],
    ['Paused', pauses.join('; ') || undefined],
    [
      'Aborted',
      st.abort ? `yes${st.abortedAt ? ` at ${st.abortedAt}` : ''} (retry to start again)` : undefined,
    ],
    ['Full promotion', st.promoteFull ? 'requested' : undefined],
    ['Replicas', replicas],
  ]);
}

function steps(d: RolloutData): string {
  const list = d.rollout.spec.strategy.canary?.steps ?? [];
  if (list.length === 0) return '';
  const index = d.rollout.status?.currentStepIndex ?? 0;
  const aborted = d.rollout.status?.abort === true;
  const lines = list.map((step, i) => {
    const mark = i < index ? '✔' : i === index ? (aborted ? '✖' : '▶') : ' ';
    return `  ${mark} ${i + 1}. ${stepString(step)}${i === index ? (aborted ? '  (aborted)' : '  (current)') : ''}`;
  });
  return `Steps:\n${lines.join('\n')}\n`;
}

function conditions(d: RolloutData): string {
  const rows = conditionNodes(d.rollout.status?.conditions, d.now);
  return rows.length > 0
    ? `Conditions:\n${renderTree(rows.map((r) => ({ cells: [`  ${r.cells[0]}`, ...r.cells.slice(1)] })))}`
    : '';
}

function resources(d: RolloutData): string {
  const st = d.rollout.status ?? {};
  const tags = (hash: string | undefined): string[] => {
    const t: string[] = [];
    if (!hash) return t;
    if (hash === st.stableRS) t.push('stable');
    if (hash === st.currentPodHash && hash !== st.stableRS)
      t.push(d.rollout.spec.strategy.blueGreen ? 'preview' : 'canary');
    if (hash === st.blueGreen?.activeSelector) t.push('active');
    return t;
  };
  const byRevision = new Map<number, TreeNode[]>();
  const add = (rev: number, node: TreeNode) => byRevision.set(rev, [...(byRevision.get(rev) ?? []), node]);
  for (const rs of d.replicaSets) {
    const pods = d.pods.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid));
    const spec = rs.spec.replicas ?? 1;
    const ready = rs.status?.readyReplicas ?? 0;
    const status = spec === 0 && (rs.status?.replicas ?? 0) === 0 ? 'scaled down' : `${ready}/${spec} ready`;
    const deadline = rs.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
    const info = [...tags(hashOf(rs)), ...(deadline ? [`scale down at ${deadline}`] : [])].join(', ');
    add(revisionOf(rs), {
      cells: [rs.metadata.name, 'ReplicaSet', status, age(rs.metadata.creationTimestamp, d.now), info],
      children: pods.map((p) => podNode(p, d.now)),
    });
  }
  for (const run of d.runs) {
    const rev = Number(run.metadata.annotations?.[ROLLOUT_REVISION_ANNOTATION] ?? 0);
    add(rev, runNode(run, d.now));
  }
  for (const exp of d.experiments ?? []) {
    const rev = Number(exp.metadata.annotations?.[ROLLOUT_REVISION_ANNOTATION] ?? 0);
    add(rev, experimentNode(exp, d.now));
  }
  const revisions = [...byRevision.keys()].sort((a, b) => b - a);
  const root: TreeNode = {
    cells: [
      d.rollout.metadata.name,
      'Rollout',
      st.phase ?? 'Unknown',
      age(d.rollout.metadata.creationTimestamp, d.now),
      '',
    ],
    children: revisions.map((rev) => ({
      cells: [rev > 0 ? `revision:${rev}` : 'revision:?'],
      children: byRevision.get(rev) ?? [],
    })),
  };
  return renderTree([root], ['NAME', 'KIND', 'STATUS', 'AGE', 'INFO']);
}

function podNode(p: Pod, now: Date): TreeNode {
  const cs = p.status?.containerStatuses ?? [];
  const ready = cs.filter((c) => c.ready).length;
  const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const waiting = cs.map((c) => c.state?.waiting?.reason).find((r) => r);
  const notReady = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True');
  const phase = p.status?.phase === 'Running' && notReady ? 'Running (not ready)' : p.status?.phase;
  const status = p.metadata.deletionTimestamp ? 'Terminating' : (waiting ?? phase ?? 'Unknown');
  const info = `ready ${ready}/${cs.length}${restarts > 0 ? `, restarts ${restarts}` : ''}`;
  return { cells: [p.metadata.name, 'Pod', status, age(p.metadata.creationTimestamp, now), info] };
}

/** An Experiment with its templates' ReplicaSets and its AnalysisRuns. */
function experimentNode(exp: Experiment, now: Date): TreeNode {
  const st = exp.status;
  const templates = (st?.templateStatuses ?? []).map((t) => ({
    cells: [
      `${exp.metadata.name}-${t.name}`,
      'ReplicaSet',
      t.status,
      '',
      [`${t.availableReplicas}/${t.replicas} available`, t.message].filter((x) => x).join(', '),
    ],
  }));
  const runs = (st?.analysisRuns ?? []).map((r) => ({
    cells: [r.analysisRun, 'AnalysisRun', r.phase, '', r.message ?? ''],
  }));
  return {
    cells: [
      exp.metadata.name,
      'Experiment',
      st?.phase ?? 'Pending',
      age(exp.metadata.creationTimestamp, now),
      st?.message ?? '',
    ],
    children: [...templates, ...runs],
  };
}

function runNode(run: AnalysisRun, now: Date): TreeNode {
  const type = run.metadata.labels?.[ANALYSIS_TYPE_LABEL];
  const step = run.metadata.labels?.[STEP_INDEX_LABEL];
  const what = type === 'step' && step !== undefined ? `step ${Number(step) + 1}` : (type ?? '');
  const summary = run.status?.runSummary;
  const counts = summary ? `✔ ${summary.successful ?? 0} ✖ ${summary.failed ?? 0}` : '';
  const info = [what, counts, run.status?.message].filter((x) => x).join(', ');
  const metrics = (run.status?.metricResults ?? []).map((m) => metricNode(m, now));
  const pending = run.spec.metrics.filter((m) => !metrics.some((n) => n.cells[0] === m.name));
  return {
    cells: [
      run.metadata.name,
      'AnalysisRun',
      run.status?.phase ?? 'Pending',
      age(run.metadata.creationTimestamp, now),
      info,
    ],
    children: [
      ...metrics,
      ...pending.map((m) => ({ cells: [m.name, 'Metric', 'Pending', '', 'no measurement yet'] })),
    ],
  };
}

function metricNode(m: MetricResult, now: Date): TreeNode {
  const last = m.measurements?.[m.measurements.length - 1];
  if (!last) return { cells: [m.name, 'Metric', m.phase, '', m.message ?? 'no measurement yet'] };
  const when = last.finishedAt ? `, ${age(last.finishedAt, now)} ago` : '';
  const tally = `✔ ${m.successful ?? 0} ✖ ${m.failed ?? 0} ? ${m.inconclusive ?? 0} ⚠ ${m.error ?? 0}`;
  const parts = [
    `latest ${last.value ?? '(no value)'} (${last.phase}${when})`,
    `${m.count ?? 0} measured: ${tally}`,
  ];
  if (m.dryRun) parts.push('dry run');
  const message = last.message ?? m.message;
  if (message) parts.push(message);
  return { cells: [m.name, 'Metric', m.phase, '', parts.join('; ')] };
}
