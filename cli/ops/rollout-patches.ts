// What each Rollout operation writes, as a function of the Rollout: the same spec and status
// patches a person could send with kubectl (and that Argo Rollouts' plugin sends), which the
// controller reads (controller/rollouts/pause.ts, canary/canary.ts, status/finalize.ts).

import type { Rollout } from '../../controller/api/rollout.ts';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../../controller/rollouts/labels.ts';
import { withoutExtras } from '../../controller/rollouts/pod-extras/pod-extras.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { CliError } from '../cli-errors.ts';

export type RolloutOp = 'promote' | 'promote-full' | 'abort' | 'retry' | 'pause' | 'resume';

export interface Patch {
  /** Merge patch of the object, or of its status subresource. */
  target: 'spec' | 'status';
  body: Record<string, unknown>;
}

export const PAST_TENSE: Record<RolloutOp | 'undo' | 'set-image' | 'restart', string> = {
  promote: 'promoted',
  'promote-full': 'fully promoted',
  abort: 'aborted',
  retry: 'retried',
  pause: 'paused',
  resume: 'resumed',
  undo: 'rolled back',
  'set-image': 'image updated',
  restart: 'restarting',
};

export function rolloutPatches(ro: Rollout, op: RolloutOp): Patch[] {
  const name = `rollout ${ro.metadata.name}`;
  const status = ro.status ?? {};
  const unpause: Patch[] = ro.spec.paused ? [{ target: 'spec', body: { spec: { paused: false } } }] : [];
  switch (op) {
    case 'pause':
      return [{ target: 'spec', body: { spec: { paused: true } } }];
    case 'resume':
      if (!ro.spec.paused)
        throw new CliError(
          `${name} is not paused (spec.paused is not set); to continue past a pause step, use promote`,
        );
      return unpause;
    case 'abort':
      return [{ target: 'status', body: { status: { abort: true } } }];
    case 'retry':
      if (!status.abort) throw new CliError(`${name} is not aborted`);
      return [{ target: 'status', body: { status: { abort: false } } }];
    case 'promote-full':
      if (status.stableRS && status.stableRS === status.currentPodHash && !ro.spec.paused) {
        throw new CliError(`${name} is already fully promoted`);
      }
      return [...unpause, { target: 'status', body: { status: { promoteFull: true } } }];
    case 'promote': {
      // A person resumes a controller pause by clearing the pause conditions; with none, promote
      // skips the current canary step.
      if ((status.pauseConditions?.length ?? 0) > 0) {
        return [...unpause, { target: 'status', body: { status: { pauseConditions: null } } }];
      }
      const steps = ro.spec.strategy.canary?.steps;
      const index = status.currentStepIndex ?? 0;
      if (steps && index < steps.length) {
        return [
          ...unpause,
          { target: 'status', body: { status: { pauseConditions: null, currentStepIndex: index + 1 } } },
        ];
      }
      if (unpause.length > 0) return unpause;
      throw new CliError(`${name} has nothing to promote: it is not paused and has no steps left`);
    }
  }
}

/**
 * The pod template to go back to: revision `toRevision`, or the newest one before the current.
 * The ReplicaSet's template is copied without its hash label, which the controller recognises
 * as that ReplicaSet again (controller/rollouts/context.ts).
 */
export function undoTemplate(
  ro: Rollout,
  replicaSets: ReplicaSet[],
  toRevision?: number,
): { revision: number; template: unknown } {
  const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  const current = replicaSets.find(
    (rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === ro.status?.currentPodHash,
  );
  const currentRevision = current ? revisionOf(current) : Number.MAX_SAFE_INTEGER;
  const candidates = replicaSets
    .filter((rs) => rs !== current && revisionOf(rs) > 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const target =
    toRevision === undefined
      ? candidates.find((rs) => revisionOf(rs) < currentRevision)
      : candidates.find((rs) => revisionOf(rs) === toRevision);
  if (!target) {
    if (toRevision !== undefined && current && revisionOf(current) === toRevision) {
      throw new CliError(`revision ${toRevision} of rollout ${ro.metadata.name} is the current one`);
    }
    const known = candidates.map(revisionOf).join(', ') || 'none';
    throw new CliError(
      toRevision === undefined
        ? `rollout ${ro.metadata.name} has no earlier revision to go back to`
        : `rollout ${ro.metadata.name} has no revision ${toRevision} (earlier revisions: ${known})`,
    );
  }
  // The ephemeral metadata and injected anti-affinity belong to the ReplicaSet's role, not the version.
  const template = withoutExtras(target);
  const labels = template.metadata?.labels;
  if (labels) {
    delete labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(labels).length === 0) delete template.metadata?.labels;
  }
  if (template.metadata && Object.keys(template.metadata).length === 0) delete template.metadata;
  return { revision: revisionOf(target), template };
}

/** `CONTAINER=IMAGE`; the container `*` stands for every container. */
export interface ImageAssignment {
  container: string;
  image: string;
}

export function parseImageAssignments(args: string[]): ImageAssignment[] {
  if (args.length === 0) throw new CliError('set image needs at least one CONTAINER=IMAGE');
  return args.map((arg) => {
    const at = arg.indexOf('=');
    const container = arg.slice(0, at);
    const image = arg.slice(at + 1);
    if (at <= 0 || image === '') throw new CliError(`"${arg}" is not CONTAINER=IMAGE`);
    return { container, image };
  });
}

type Container = { name?: string; image?: string } & Record<string, unknown>;
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * `set image`: the pod template with the named containers' images replaced (in containers,
 * initContainers and ephemeralContainers, as kubectl set image does). A name no container has
 * is refused, listing the names there are.
 */
export function setImagePatches(ro: Rollout, assignments: ImageAssignment[]): Patch[] {
  const name = `rollout ${ro.metadata.name}`;
  if (ro.spec.workloadRef) {
    throw new CliError(
      `${name} takes its pod template from Deployment ${ro.spec.workloadRef.name} (spec.workloadRef): set the image there, e.g. kubectl set image deployment/${ro.spec.workloadRef.name} ...`,
    );
  }
  const podSpec = structuredClone(ro.spec.template?.spec ?? {}) as Record<string, Container[] | undefined>;
  const all = CONTAINER_LISTS.flatMap((list) => podSpec[list] ?? []);
  const changed = new Set<string>();
  for (const { container, image } of assignments) {
    const targets = all.filter((c) => container === '*' || c.name === container);
    if (targets.length === 0) {
      const names = all.map((c) => c.name).join(', ');
      throw new CliError(`${name} has no container "${container}" (containers: ${names || 'none'})`);
    }
    for (const c of targets) {
      if (c.image !== image) changed.add(String(c.name));
      c.image = image;
    }
  }
  if (changed.size === 0) throw new CliError(`${name} already runs those images`);
  const spec = Object.fromEntries(CONTAINER_LISTS.filter((l) => podSpec[l]).map((l) => [l, podSpec[l]]));
  return [{ target: 'spec', body: { spec: { template: { spec } } } }];
}

/** `restart`: spec.restartAt, which the controller carries out one pod at a time. */
export function restartPatches(now: Date): Patch[] {
  // Whole seconds: the field is an RFC 3339 date-time, compared with pods' creation times.
  const at = new Date(Math.ceil(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return [{ target: 'spec', body: { spec: { restartAt: at } } }];
}
