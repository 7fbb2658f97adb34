// Label and annotation keys the Rollout controller writes. The pod-template-hash label keeps
// Argo Rollouts' key so Services, dashboards and queries written for Argo keep matching.

/** On ReplicaSets, their pods and the Services a Rollout manages: which pod template they run. */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';

/**
 * The ReplicaSets cache of Rollouts and Experiments: only those they made, which all carry the
 * hash label, not every Deployment's ReplicaSets (ten revisions each) in the watched scope.
 */
export const OWN_REPLICA_SETS = { labelSelector: POD_TEMPLATE_HASH_LABEL };

/** On ReplicaSets: the revision number of the template, as Deployments and Argo keep it. */
export const REVISION_ANNOTATION = 'sluice.dev/revision';

/** On ReplicaSets: when a ReplicaSet kept up for a fast rollback may be scaled to zero (RFC 3339). */
export const SCALE_DOWN_DEADLINE_ANNOTATION = 'sluice.dev/scale-down-deadline';

/** On AnalysisRuns: what the run judges (step, background, pre-promotion, post-promotion). */
export const ANALYSIS_TYPE_LABEL = 'sluice.dev/analysis-type';

/** On step AnalysisRuns: the index of the canary step. */
export const STEP_INDEX_LABEL = 'sluice.dev/step-index';

/** On AnalysisRuns: the Rollout revision the run belongs to. */
export const ROLLOUT_REVISION_ANNOTATION = 'sluice.dev/rollout-revision';

/**
 * On ReplicaSets and AnalysisRuns: the source revision (`main@sha1:…`) the Rollout carried
 * in its own `sluice.dev/revision` (stamped by its Application) when the ReplicaSet of its
 * template was created. A key of its own, since on a ReplicaSet `sluice.dev/revision` is the
 * template's revision number.
 */
export const SOURCE_REVISION_RECORD_ANNOTATION = 'sluice.dev/source-revision';
