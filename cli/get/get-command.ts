// `get app|rollout|source NAME [--watch]`: render a view of the object and what belongs to it,
// once, or again whenever any of it changes (watching the API, not polling).

import { type AnalysisRun, analysisRunResource } from '../../controller/api/analysis.ts';
import type { Application } from '../../controller/api/application.ts';
import { type Experiment, experimentResource } from '../../controller/api/experiment.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import { POD_TEMPLATE_HASH_LABEL } from '../../controller/rollouts/labels.ts';
import { isOwnedBy } from '../../controller/rollouts/owner.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { EXIT_OK } from '../cli-errors.ts';
import { formatData, type Io } from '../io.ts';
import { type KindName, RESOURCES } from '../kinds.ts';
import type { Options } from '../options.ts';
import type { Session } from '../session.ts';
import { type Pod, renderRollout } from './rollout-view.ts';
import { fetchSnapshot, type Need, type Snapshot, watchSnapshot } from './snapshot.ts';
import { renderApplication, renderGitRepository } from './source-view.ts';

const REDRAW_DELAY_MS = 100;
const CLEAR_SCREEN = '\x1b[H\x1b[2J\x1b[3J';

interface Plan {
  needs: Need[];
  render(snap: Snapshot, now: Date): string;
}

function find<T extends KubeObject>(snap: Snapshot, kind: KindName, ns: string, name: string): T | undefined {
  return snap.list<T>(RESOURCES[kind], ns).find((o) => o.metadata.name === name);
}

function plan(kind: KindName, obj: KubeObject, ns: string, name: string, options: Options): Plan {
  const self: Need = { rt: RESOURCES[kind], namespace: ns };
  const missing = `${RESOURCES[kind].singular}.${RESOURCES[kind].group}/${name} not found in ${ns}\n`;
  if (options.output) {
    const format = options.output;
    return {
      needs: [self],
      render: (snap) => {
        const o = find(snap, kind, ns, name);
        return o ? formatData(o, format) : missing;
      },
    };
  }
  if (kind === 'rollout') {
    return {
      needs: [
        self,
        { rt: core.replicaSets, namespace: ns },
        { rt: core.pods, namespace: ns, labelSelector: POD_TEMPLATE_HASH_LABEL },
        { rt: analysisRunResource, namespace: ns },
        { rt: experimentResource, namespace: ns },
      ],
      render: (snap, now) => {
        const ro = find<Rollout>(snap, 'rollout', ns, name);
        if (!ro) return missing;
        const replicaSets = snap.list<ReplicaSet>(core.replicaSets, ns).filter((rs) => isOwnedBy(rs, ro));
        const uids = new Set(replicaSets.map((rs) => rs.metadata.uid));
        const pods = snap
          .list<Pod>(core.pods, ns)
          .filter((p) => p.metadata.ownerReferences?.some((o) => uids.has(o.uid)))
          .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
        const runs = snap
          .list<AnalysisRun>(analysisRunResource, ns)
          .filter((r) => isOwnedBy(r, ro))
          .sort((a, b) =>
            (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
          );
        const experiments = snap.list<Experiment>(experimentResource, ns).filter((e) => isOwnedBy(e, ro));
        return renderRollout({ rollout: ro, replicaSets, pods, runs, experiments, now });
      },
    };
  }
  if (kind === 'app') {
    const ref = (obj as Application).spec.sourceRef;
    const sourceNs = ref?.namespace ?? ns;
    return {
      needs: [self, { rt: gitRepositoryResource, namespace: sourceNs }],
      render: (snap, now) => {
        const app = find<Application>(snap, 'app', ns, name);
        if (!app) return missing;
        const srcNs = app.spec.sourceRef?.namespace ?? ns;
        const source = snap
          .list<GitRepository>(gitRepositoryResource, srcNs)
          .find((r) => r.metadata.name === app.spec.sourceRef?.name);
        return renderApplication(app, source, now);
      },
    };
  }
  return {
    needs: [self],
    render: (snap, now) => {
      const repo = find<GitRepository>(snap, 'source', ns, name);
      return repo ? renderGitRepository(repo, now) : missing;
    },
  };
}

function uniqueNeeds(needs: Need[]): Need[] {
  const seen = new Set<string>();
  return needs.filter((n) => {
    const key = `${n.rt.group}/${n.rt.plural}/${n.namespace}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function get(
  kind: KindName,
  name: string,
  session: Session,
  options: Options,
  io: Io,
): Promise<number> {
  const ns = session.namespace;
  // A plain GET first: a missing object fails the way kubectl reports it.
  const obj = await session.api.get<KubeObject>(RESOURCES[kind], ns, name);
  const p = plan(kind, obj, ns, name, options);
  const needs = uniqueNeeds(p.needs);
  if (!options.watch) {
    io.stdout.write(p.render(await fetchSnapshot(session.api, needs), new Date()));
    return EXIT_OK;
  }
  return watch(p, needs, session, io);
}

async function watch(p: Plan, needs: Need[], session: Session, io: Io): Promise<number> {
  const tty = io.stdout.isTTY === true;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let ready = false;
  let warned = false;
  const draw = () => {
    timer = undefined;
    const text = p.render(live, new Date());
    if (text === last) return;
    last = text;
    // A terminal shows the current state in place; a pipe gets each new state after the last.
    io.stdout.write(tty ? `${CLEAR_SCREEN}${text}` : `${text}\n`);
  };
  const schedule = () => {
    if (ready && !timer) timer = setTimeout(draw, REDRAW_DELAY_MS);
  };
  const live = watchSnapshot(session.client, needs, schedule, (err) => {
    if (warned) return;
    warned = true;
    io.stderr.write(`warning: watch interrupted, retrying: ${(err as Error).message}\n`);
  });
  try {
    await Promise.race([live.synced, aborted(io.signal)]);
    ready = true;
    if (!io.signal.aborted) draw();
    await aborted(io.signal);
  } finally {
    if (timer) clearTimeout(timer);
    live.stop();
  }
  return EXIT_OK;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
