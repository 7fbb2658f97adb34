// The trail of one commit through an Application, as one timeline: fetched (the source's
// artifact), the syncs that applied it (status.history), the objects it changed (their
// sluice.dev/revision), each Rollout's update of it (its ReplicaSet, the Events of the Rollout
// and its AnalysisRuns, every measurement) and the verdict. Pure: the command reads the
// objects, this puts them in order.

import type { AnalysisRun } from '../../controller/api/analysis.ts';
import type { Application } from '../../controller/api/application.ts';
import type { GitRepository } from '../../controller/api/git-repository.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import type { Obj } from '../../controller/apps/health/object.ts';
import { sourceRevisionOf } from '../../controller/apps/revision-stamp.ts';
import { rollbackOf } from '../../controller/apps/serving.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { commitTraceId } from '../../controller/observability/tracing/commit-trace.ts';
import { isOwnedBy } from '../../controller/rollouts/owner.ts';
import { type ReplicaSet, sourceRevisionRecordOf } from '../../controller/rollouts/replica-sets.ts';

/** An events.k8s.io/v1 Event, as far as the trail reads it. */
export interface KubeEvent extends KubeObject {
  eventTime?: string;
  deprecatedFirstTimestamp?: string;
  series?: { lastObservedTime?: string };
  reason?: string;
  note?: string;
  type?: string;
  regarding?: { kind?: string; name?: string; uid?: string };
}

/** Every kind of entry a trail has, in the order a commit passes them. */
export const TRAIL_STAGES = [
  'fetched',
  'sync',
  'applied',
  'changed',
  'rollout',
  'step',
  'analysis',
  'measurement',
  'verdict',
] as const;
type TrailStage = (typeof TRAIL_STAGES)[number];

interface TrailEntry {
  /** RFC 3339; absent when nothing kept it. */
  time?: string;
  stage: TrailStage;
  /** What the entry is about: `GitRepository/app`, `Rollout/web`, `AnalysisRun/web-abc-1`. */
  subject: string;
  message: string;
}

type Outcome = 'Promoted' | 'RolledBack' | 'Progressing' | 'Replaced' | 'Applied' | 'Failed' | 'NotApplied';

interface Verdict {
  outcome: Outcome;
  message: string;
}

export interface Trail {
  application: { namespace: string; name: string };
  revision: string;
  /** `Kind namespace/name` of each object this revision last changed. */
  changed: string[];
  entries: TrailEntry[];
  verdict: Verdict;
  /**
   * The revision's OpenTelemetry trace id, when the controller sends traces (the Application
   * has status.trace): derived, as the controller does, from the Application and revision.
   */
  traceID?: string;
}

export interface TrailInput {
  app: Application;
  repo: GitRepository | undefined;
  /** A full revision (`main@sha1:…`) or a prefix of its SHA; default: the last attempted. */
  revision?: string | undefined;
  /** The live objects of the inventory. */
  objects: readonly KubeObject[];
  replicaSets: readonly ReplicaSet[];
  runs: readonly AnalysisRun[];
  events: readonly KubeEvent[];
}

const shaOf = (revision: string) => revision.slice(revision.lastIndexOf(':') + 1);

/** `main@sha1:abc…` matches itself, `abc…`, and any prefix of its SHA. */
export function matchesRevision(full: string | undefined, wanted: string): boolean {
  if (!full) return false;
  return full === wanted || (wanted.length >= 4 && shaOf(full).startsWith(shaOf(wanted)));
}

const describe = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

function eventTime(e: KubeEvent): string | undefined {
  return e.eventTime ?? e.deprecatedFirstTimestamp ?? e.metadata.creationTimestamp;
}

/** The full revision the trail is about: as history, the source or an object wrote it. */
function resolveRevision(input: TrailInput): string {
  const { app } = input;
  const wanted = input.revision ?? app.status?.lastAttemptedRevision ?? app.status?.lastAppliedRevision;
  if (!wanted) return '';
  const known = [
    ...(app.status?.history ?? []).map((h) => h.revision),
    input.repo?.status?.artifact?.revision,
    ...input.objects.map(sourceRevisionOf),
    ...input.replicaSets.map(sourceRevisionRecordOf),
  ];
  return known.find((r) => matchesRevision(r, wanted)) ?? wanted;
}

export function buildTrail(input: TrailInput): Trail {
  const { app } = input;
  const revision = resolveRevision(input);
  const is = (r: string | undefined) => matchesRevision(r, revision);
  const entries: TrailEntry[] = [];
  // A chart from a HelmRepository has no git source: its trail starts at the sync.
  if (app.spec.sourceRef) entries.push(fetched(input, revision, is));
  const records = (app.status?.history ?? []).filter((h) => is(h.revision)).reverse();
  const appName = `Application/${app.metadata.name}`;
  for (const h of records) {
    entries.push({ time: h.startedAt, stage: 'sync', subject: appName, message: 'sync started' });
    const counts =
      h.objectsChanged !== undefined ? `${h.objectsChanged} changed, ${h.objectsPruned ?? 0} pruned` : '';
    const detail = [counts, h.message].filter((x) => x).join('; ');
    entries.push({
      time: h.time,
      stage: 'applied',
      subject: appName,
      message: `sync ${h.result}${detail ? `: ${detail}` : ''}`,
    });
  }
  const changed = input.objects.filter((o) => is(sourceRevisionOf(o))).map(describe);
  if (changed.length > 0) {
    entries.push({
      ...(records[0]?.time ? { time: records[0].time } : {}),
      stage: 'changed',
      subject: appName,
      message: `changed ${changed.join(', ')}`,
    });
  }
  const rollouts = input.objects.filter((o): o is Rollout => o.kind === 'Rollout');
  const verdicts = rollouts.flatMap((ro) => rolloutTrail(ro, input, is, entries));
  // The Application's own Events that name the revision (Synced, RolledBack).
  for (const e of input.events) {
    // Synced says what the history says; RolledBack and health changes add to it.
    if (e.regarding?.uid !== app.metadata.uid || e.reason === 'Synced' || !e.note?.includes(revision))
      continue;
    const time = eventTime(e);
    out(entries, time, e.reason === 'RolledBack' ? 'rollout' : 'applied', appName, `${e.reason}: ${e.note}`);
  }
  const verdict = overall(verdicts, records.at(-1), revision);
  // Most times are kept to the second, Events to the microsecond; on a tie the order entries
  // were added in (fetch, sync, rollout, analysis) stands.
  entries.sort((a, b) => sortKey(a) - sortKey(b));
  entries.push({ stage: 'verdict', subject: appName, message: `${verdict.outcome}: ${verdict.message}` });
  const application = { namespace: app.metadata.namespace ?? '', name: app.metadata.name };
  return {
    application,
    revision,
    changed,
    entries,
    verdict,
    ...(app.status?.trace && revision ? { traceID: commitTraceId(application, revision) } : {}),
  };
}

/** When the source fetched the revision, while it is still the source's artifact. */
function fetched(input: TrailInput, revision: string, is: (r: string | undefined) => boolean): TrailEntry {
  const { app, repo } = input;
  const subject = `GitRepository/${repo?.metadata.name ?? app.spec.sourceRef?.name}`;
  const artifact = repo?.status?.artifact;
  if (artifact && is(artifact.revision)) {
    return {
      time: artifact.lastUpdateTime,
      stage: 'fetched',
      subject,
      message: `fetched ${revision} from ${repo?.spec.url}`,
    };
  }
  return {
    stage: 'fetched',
    subject,
    message: `fetched ${revision} (the source has since moved to ${artifact?.revision ?? 'nothing'})`,
  };
}

/** One Rollout's update to the revision: entries added to `out`, its verdict returned. */
function rolloutTrail(
  ro: Rollout,
  input: TrailInput,
  is: (r: string | undefined) => boolean,
  entries: TrailEntry[],
): Verdict[] {
  const subject = `Rollout/${ro.metadata.name}`;
  const owned = input.replicaSets
    .filter((rs) => isOwnedBy(rs, ro))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  const index = owned.findIndex((rs) => is(sourceRevisionRecordOf(rs)));
  const rs = owned[index];
  if (!rs) return [];
  const from = rs.metadata.creationTimestamp ?? '';
  // Events up to the next template's ReplicaSet belong to this revision's update. Creation
  // times are whole seconds, Event times finer: compare as instants.
  const until = owned.slice(index + 1).find((o) => !is(sourceRevisionRecordOf(o)))
    ?.metadata.creationTimestamp;
  const start = Date.parse(from);
  const end = until ? Date.parse(until) : Number.POSITIVE_INFINITY;
  const within = (t: string | undefined) => !!t && Date.parse(t) >= start && Date.parse(t) < end;
  entries.push({
    time: from,
    stage: 'rollout',
    subject,
    message: `created ReplicaSet ${rs.metadata.name} for the new pod template`,
  });
  const runs = input.runs.filter((r) => isOwnedBy(r, ro) && is(sourceRevisionRecordOf(r)));
  const uids = new Set([ro.metadata.uid, ...runs.map((r) => r.metadata.uid)]);
  for (const e of input.events) {
    if (!uids.has(e.regarding?.uid)) continue;
    // A repeat of an earlier Event (the same step note at each update) is counted in that
    // Event's series: it belongs here when its last repeat does.
    const time = [eventTime(e), e.series?.lastObservedTime].find(within);
    if (!time) continue;
    const isRun = e.regarding?.kind === 'AnalysisRun';
    const stage = isRun ? 'analysis' : stepReasons.has(e.reason ?? '') ? 'step' : 'rollout';
    out(entries, time, stage, `${e.regarding?.kind}/${e.regarding?.name}`, `${e.reason}: ${e.note ?? ''}`);
  }
  for (const run of runs) entries.push(...measurements(run));
  const st = ro.status ?? {};
  const weights = st.canary?.weights;
  if (weights && is(st.canaryRevision)) {
    entries.push({
      stage: 'step',
      subject,
      message: `weights now: canary ${weights.canary?.weight ?? 0}%, stable ${weights.stable?.weight ?? 0}%`,
    });
  }
  const rollback = rollbackOf([ro as unknown as Obj]);
  if (rollback && is(st.canaryRevision)) return [{ outcome: 'RolledBack', message: rollback.message }];
  if (is(st.canaryRevision))
    return [{ outcome: 'Progressing', message: `${subject}: ${st.message ?? st.phase ?? 'updating'}` }];
  if (is(st.stableRevision))
    return [{ outcome: 'Promoted', message: `${subject} serves ${st.stableRevision} as stable` }];
  return [
    {
      outcome: 'Replaced',
      message: `${subject} has moved on: stable ${st.stableRevision ?? 'unknown'}${st.canaryRevision ? `, canary ${st.canaryRevision}` : ''}`,
    },
  ];
}

function sortKey(e: TrailEntry): number {
  if (e.time) return Date.parse(e.time);
  return e.stage === 'fetched' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

function out(
  entries: TrailEntry[],
  time: string | undefined,
  stage: TrailStage,
  subject: string,
  message: string,
) {
  entries.push({ ...(time ? { time } : {}), stage, subject, message });
}

const stepReasons = new Set([
  'RolloutStepCompleted',
  'TrafficWeightUpdated',
  'ScalingReplicaSet',
  'RolloutUpdated',
  'RolloutCompleted',
  'RolloutPaused',
  'SkipSteps',
]);

/** Each measurement of a run: when, the value, its phase and the conditions it was held to. */
function measurements(run: AnalysisRun): TrailEntry[] {
  const subject = `AnalysisRun/${run.metadata.name}`;
  const out: TrailEntry[] = [];
  for (const result of run.status?.metricResults ?? []) {
    const spec = run.spec.metrics.find((m) => m.name === result.name);
    const conditions = [
      spec?.successCondition ? `success when ${spec.successCondition}` : '',
      spec?.failureCondition ? `failure when ${spec.failureCondition}` : '',
    ]
      .filter((x) => x)
      .join(', ');
    for (const m of result.measurements ?? []) {
      const time = m.finishedAt ?? m.startedAt;
      out.push({
        ...(time ? { time } : {}),
        stage: 'measurement',
        subject,
        message: `${result.name} = ${m.value ?? '(no value)'}: ${m.phase}${conditions ? ` (${conditions})` : ''}${m.message ? `; ${m.message}` : ''}`,
      });
    }
  }
  if (run.status?.phase && run.status.completedAt) {
    out.push({
      time: run.status.completedAt,
      stage: 'analysis',
      subject,
      message: `${run.status.phase}${run.status.message ? `: ${run.status.message}` : ''}`,
    });
  }
  return out;
}

const RANK: Outcome[] = ['RolledBack', 'Progressing', 'Replaced', 'Promoted'];

function overall(
  rollouts: Verdict[],
  last: { result: string; message?: string } | undefined,
  revision: string,
): Verdict {
  for (const outcome of RANK) {
    const found = rollouts.filter((v) => v.outcome === outcome);
    if (found.length > 0) return { outcome, message: found.map((v) => v.message).join('; ') };
  }
  if (!last) return { outcome: 'NotApplied', message: `no sync of ${revision} is in the history` };
  if (last.result === 'Failed')
    return { outcome: 'Failed', message: `the sync of ${revision} failed: ${last.message ?? ''}` };
  return { outcome: 'Applied', message: `${revision} is applied; no Rollout updated for it` };
}
