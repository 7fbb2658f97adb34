// What the next sync of an Application would change, built by the sync's own stages
// (controller/apps/pipeline.ts): the revision rendered and planned, each object sent as the
// sync sends it (same identity, same Rollout selector hash) in validate's server-side dry-run
// and the answer compared with the live object; plus prune's own choice of what to delete.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Application } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { type HelmRepository, helmRepositoryResource } from '../../controller/api/helm-repository.ts';
import { mapLimit } from '../../controller/apps/concurrency.ts';
import { chartApp, chartContext } from '../../controller/apps/helm/app-chart.ts';
import { ClusterCapabilities } from '../../controller/apps/helm/capabilities.ts';
import { appObjects, parseInventoryId } from '../../controller/apps/manifest.ts';
import { appTarget, plan, syncTarget } from '../../controller/apps/pipeline.ts';
import { renderSource } from '../../controller/apps/render-source.ts';
import { RestMapper } from '../../controller/apps/rest-mapper.ts';
import {
  CONCURRENCY,
  type DryRun,
  describeObject,
  dryRun,
  type Prunable,
  pruneSet,
} from '../../controller/apps/sync.ts';
import { isNotFound, KubeApiError } from '../../controller/kube/api-errors.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import { GitCache } from '../../controller/sources/git/git-cache.ts';
import { GitSource } from '../../controller/sources/git-source.ts';
import { HelmCharts } from '../../controller/sources/helm-repository/helm-charts.ts';
import { CliError } from '../cli-errors.ts';
import type { Session } from '../session.ts';
import { comparable, maskSecrets, toYaml } from './normalize.ts';

type ChangeAction = 'create' | 'update' | 'prune';

export interface ObjectChange {
  action: ChangeAction;
  kind: string;
  apiVersion: string;
  namespace: string | undefined;
  name: string;
  /** Where the object comes from in the source (absent for prunes). */
  source?: string;
  live: string;
  desired: string;
  /**
   * A prune of an object marked `argocd.argoproj.io/compare-options: IgnoreExtraneous`: the
   * sync still deletes it, but as in Argo CD it does not make the Application differ.
   */
  ignored?: boolean;
}

export interface AppDiff {
  revision: string;
  changes: ObjectChange[];
  unchanged: number;
  /** Objects the API server refused in the dry run: the sync would fail on them. */
  errors: string[];
}

/**
 * The files a sync of `app` renders, fetched into a throw-away cache: the chart its
 * HelmRepository serves at the version in range, or the GitRepository's current artifact
 * (a chart there gets its dependencies built from the namespace's HelmRepositories, as the
 * controller does).
 */
async function withAppFiles<T>(
  session: Session,
  app: Application,
  helm: string,
  fn: (dir: string, path: string, revision: string) => Promise<T>,
): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'kubectl-sluice-diff-'));
  const ns = app.metadata.namespace as string;
  const fetchFailed = (what: string) => (err: unknown) => {
    throw new CliError(`cannot fetch ${what}: ${(err as Error).message}`, 1, { cause: err });
  };
  try {
    const charts = new HelmCharts({ api: session.api, helm, cacheDir: join(root, 'helm') });
    const repositories = async () =>
      (await session.api.list<HelmRepository>(helmRepositoryResource, ns)).items;
    const chart = app.spec.helm?.chart;
    if (chart) {
      const repo = await session.api.get<HelmRepository>(helmRepositoryResource, ns, chart.sourceRef.name);
      const where = `chart ${chart.name} from HelmRepository ${ns}/${chart.sourceRef.name}`;
      const resolved = await charts.resolve(repo, chart).catch(fetchFailed(where));
      const dir = await charts.files(repo, resolved, await repositories()).catch(fetchFailed(where));
      return await fn(dir, resolved.name, resolved.revision);
    }
    const ref = app.spec.sourceRef as NonNullable<Application['spec']['sourceRef']>;
    const repo = await session.api.get<GitRepository>(gitRepositoryResource, ref.namespace ?? ns, ref.name);
    const source = new GitSource(session.api, new GitCache(join(root, 'git')));
    const files = await source
      .artifactFiles(repo)
      .catch(fetchFailed(`${repo.status?.artifact?.revision} from ${repo.spec.url}`));
    if (!files)
      throw new CliError(
        `GitRepository ${repo.metadata.namespace}/${repo.metadata.name} has no artifact yet`,
      );
    const path = app.spec.path ?? '.';
    const dir = await charts.withDependencies(files.dir, path, ns, await repositories());
    return await fn(dir, path, files.revision);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export async function diffApplication(
  session: Session,
  app: Application,
  opts: { kustomize: string; helm: string; defaultServiceAccount: string | undefined },
): Promise<AppDiff> {
  return withAppFiles(session, app, opts.helm, async (dir, path, revision) => {
    const mapper = new RestMapper(session.client);
    // Read before the dry-run: its answers are compared with these, and a live Service gives
    // the Rollout hash a sync keeps in its selector.
    const live = new Map<string, KubeObject | undefined>();
    const target = syncTarget({
      api: session.api,
      mapper,
      app,
      // The controller's flag is not readable from here: the person running diff passes it.
      defaultServiceAccount: opts.defaultServiceAccount,
      liveService: (o) => live.get(o.id),
      liveObject: async (o) => live.get(o.id),
    });
    const { rendered } = await renderSource(dir, path, {
      kustomize: opts.kustomize,
      chart: {
        app: chartApp(app),
        ctx: chartContext(session.api, app.metadata.namespace as string, {
          helm: opts.helm,
          capabilities: () => new ClusterCapabilities(session.client).get(),
        }),
      },
    });
    // Hooks are created anew by each sync, never diffed; skipped objects are not applied.
    const desired = appObjects(await plan(mapper, rendered, appTarget(app)));
    await mapLimit(desired, CONCURRENCY, async (o) => {
      const rt = await mapper.map(o.apiVersion, o.kind).catch(() => undefined);
      if (rt) live.set(o.id, await session.api.getOrUndefined(rt, o.namespace, o.name));
    });
    const result: AppDiff = { revision, changes: [], unchanged: 0, errors: [] };
    // What the sync will not send (ssa: Ignore, reconcile: disabled, IfNotPresent when present) cannot change.
    const sent = desired.filter(
      (o) => o.options.apply !== 'never' && !(o.options.apply === 'create-only' && live.get(o.id)),
    );
    result.unchanged += desired.length - sent.length;
    for (const r of await dryRun(target, sent)) {
      const outcome = compare(r, live.get(r.object.id));
      if (typeof outcome === 'string') result.errors.push(outcome);
      else if (outcome) result.changes.push(outcome);
      else result.unchanged++;
    }
    if (app.spec.prune) {
      const keep = new Set(desired.map((o) => o.id));
      const doomed = await pruneSet(target, app.status?.inventory?.entries ?? [], keep);
      result.changes.push(...doomed.map(pruneChange));
    }
    return result;
  });
}

function compare(r: DryRun, live: KubeObject | undefined): ObjectChange | string | undefined {
  const o = r.object;
  const base = {
    kind: o.kind,
    apiVersion: o.apiVersion,
    namespace: o.namespace,
    name: o.name,
    source: o.source,
  };
  // A kind whose CRD arrives in the same revision cannot be dry-run yet: show it as sent.
  if (r.outcome === 'unchecked') {
    const written = comparable(r.sent);
    maskSecrets(undefined, written);
    return { ...base, action: 'create', live: '', desired: toYaml(written) };
  }
  let result: unknown;
  if (r.outcome === 'accepted') result = r.result;
  // The namespace may be created by the same sync; the object itself is then new.
  else if (!live && isNotFound(r.error)) result = r.sent;
  else if (r.error instanceof KubeApiError) return `${describeObject(o)}: ${r.error.message}`;
  else throw r.error;
  const liveObj = live ? comparable(live) : undefined;
  const resultObj = comparable(result);
  maskSecrets(liveObj, resultObj);
  const before = liveObj ? toYaml(liveObj) : '';
  const after = toYaml(resultObj);
  if (before === after) return undefined;
  return { ...base, action: live ? 'update' : 'create', live: before, desired: after };
}

function pruneChange({ entry, live, ignoreExtraneous }: Prunable): ObjectChange {
  const ref = parseInventoryId(entry);
  const shown = comparable(live);
  maskSecrets(shown, undefined);
  return {
    action: 'prune',
    kind: ref.kind,
    apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version,
    namespace: ref.namespace,
    name: ref.name,
    live: toYaml(shown),
    desired: '',
    ...(ignoreExtraneous ? { ignored: true } : {}),
  };
}
