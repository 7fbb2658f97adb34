// Everything one reconcile of a Rollout reads, gathered once from the informer caches: the
// ReplicaSets it owns sorted into new / stable / older, its AnalysisRuns and Experiments (Argo's
// rollout/context.go).

import type { AnalysisRun } from '../api/analysis.ts';
import type { Experiment } from '../api/experiment.ts';
import type { Rollout } from '../api/rollout.ts';
import { isOwnedBy } from './owner.ts';
import { desiredHash, hashOf, type ReplicaSet, revisionOf, sameTemplate } from './replica-sets.ts';

export interface RolloutContext {
  rollout: Rollout;
  /** pod-template-hash of the desired version: of the new ReplicaSet if it exists. */
  newHash: string;
  newRS: ReplicaSet | undefined;
  /** The ReplicaSet status.stableRS names; may be the new one. */
  stableRS: ReplicaSet | undefined;
  /** Neither new nor stable, newest revision first. */
  olderRSs: ReplicaSet[];
  allRSs: ReplicaSet[];
  runs: AnalysisRun[];
  /** The Experiments of its experiment steps. */
  experiments: Experiment[];
}

export function buildContext(
  ro: Rollout,
  replicaSets: readonly ReplicaSet[],
  runs: readonly AnalysisRun[],
  experiments: readonly Experiment[] = [],
): RolloutContext {
  const ns = ro.metadata.namespace;
  const allRSs = replicaSets.filter(
    (rs) => rs.metadata.namespace === ns && !rs.metadata.deletionTimestamp && isOwnedBy(rs, ro),
  );
  const wanted = desiredHash(ro);
  // An undo copies an old ReplicaSet's template back verbatim: find it by content too.
  const newRS =
    allRSs.find((rs) => hashOf(rs) === wanted) ??
    allRSs.filter((rs) => sameTemplate(rs, ro)).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  const newHash = hashOf(newRS) ?? wanted;
  const stableHash = ro.status?.stableRS;
  const stableRS = stableHash ? allRSs.find((rs) => hashOf(rs) === stableHash) : undefined;
  const olderRSs = allRSs
    .filter((rs) => rs !== newRS && rs !== stableRS)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const ownedRuns = runs.filter((r) => r.metadata.namespace === ns && isOwnedBy(r, ro));
  const ownedExperiments = experiments.filter((e) => e.metadata.namespace === ns && isOwnedBy(e, ro));
  return {
    rollout: ro,
    newHash,
    newRS,
    stableRS,
    olderRSs,
    allRSs,
    runs: ownedRuns,
    experiments: ownedExperiments,
  };
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}
