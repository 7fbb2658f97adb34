// `trail APP [--revision SHA]`: reads what the trail is made of (the Application, its source,
// the live objects of its inventory, its Rollouts' ReplicaSets, AnalysisRuns and Events) and
// prints the timeline trail-model.ts builds.

import { type AnalysisRun, analysisRunResource } from '../../controller/api/analysis.ts';
import { type Application, applicationResource } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { mapLimit } from '../../controller/apps/concurrency.ts';
import { parseInventoryId } from '../../controller/apps/manifest.ts';
import { RestMapper } from '../../controller/apps/rest-mapper.ts';
import { CONCURRENCY } from '../../controller/apps/sync.ts';
import { core, type KubeObject } from '../../controller/kube/resources.ts';
import type { ReplicaSet } from '../../controller/rollouts/replica-sets.ts';
import { EXIT_OK } from '../cli-errors.ts';
import { formatData, type Io } from '../io.ts';
import type { Options } from '../options.ts';
import type { Session } from '../session.ts';
import { buildTrail, type KubeEvent, type Trail } from './trail-model.ts';
import { renderTrail } from './trail-view.ts';

/** The live objects of the inventory; ones gone or of kinds no longer served are left out. */
async function inventoryObjects(session: Session, app: Application): Promise<KubeObject[]> {
  const mapper = new RestMapper(session.client);
  const found = await mapLimit(app.status?.inventory?.entries ?? [], CONCURRENCY, async (entry) => {
    const ref = parseInventoryId(entry);
    const rt = await mapper
      .map(ref.group ? `${ref.group}/${ref.version}` : ref.version, ref.kind)
      .catch(() => undefined);
    return rt ? session.api.getOrUndefined(rt, ref.namespace, ref.name) : undefined;
  });
  return found.filter((o): o is KubeObject => o !== undefined);
}

/** Reads what the trail of `revision` (default: the last attempted) through Application `name` is made of. */
export async function collectTrail(
  session: Session,
  name: string,
  revision: string | undefined,
): Promise<Trail> {
  const app = await session.api.get<Application>(applicationResource, session.namespace, name);
  // A chart from a HelmRepository has no git source: the trail starts at the sync.
  const ref = app.spec.sourceRef;
  const repo = ref
    ? await session.api.getOrUndefined<GitRepository>(
        gitRepositoryResource,
        ref.namespace ?? app.metadata.namespace,
        ref.name,
      )
    : undefined;
  const objects = await inventoryObjects(session, app);
  const namespaces = [
    ...new Set(objects.filter((o) => o.kind === 'Rollout').map((o) => o.metadata.namespace ?? '')),
  ];
  const lists = await Promise.all(
    namespaces.map(async (ns) => ({
      replicaSets: (await session.api.list<ReplicaSet>(core.replicaSets, ns)).items,
      runs: (await session.api.list<AnalysisRun>(analysisRunResource, ns)).items,
      events: (await session.api.list<KubeEvent>(core.events, ns)).items,
    })),
  );
  const appNs = app.metadata.namespace ?? session.namespace;
  const appEvents = namespaces.includes(appNs)
    ? []
    : (await session.api.list<KubeEvent>(core.events, appNs)).items;
  return buildTrail({
    app,
    repo,
    revision,
    objects,
    replicaSets: lists.flatMap((l) => l.replicaSets),
    runs: lists.flatMap((l) => l.runs),
    events: [...lists.flatMap((l) => l.events), ...appEvents],
  });
}

export async function trail(name: string, session: Session, options: Options, io: Io): Promise<number> {
  const result = await collectTrail(session, name, options.revision);
  io.stdout.write(options.output ? formatData(result, options.output) : renderTrail(result));
  return EXIT_OK;
}
