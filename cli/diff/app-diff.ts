// What the next sync of an Application would change, computed the way the controller syncs:
// the source revision's files rendered and prepared by the controller's own code, each object
// applied as a server-side dry run with the controller's field manager, and the result compared
// with the live object; plus what the sync would prune.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Application } from '../../controller/api/application.ts';
import { type GitRepository, gitRepositoryResource } from '../../controller/api/git-repository.ts';
import { mapLimit } from '../../controller/apps/concurrency.ts';
import {
  type DesiredObject,
  PRUNE_ANNOTATION,
  parseInventoryId,
  prepare,
} from '../../controller/apps/manifest.ts';
import { render } from '../../controller/apps/render.ts';
import { RestMapper } from '../../controller/apps/rest-mapper.ts';
import { isNotFound, KubeApiError } from '../../controller/kube/api-errors.ts';
import type { Impersonation } from '../../controller/kube/client.ts';
import type { ResourceType } from '../../controller/kube/resources.ts';
import { GitCache } from '../../controller/sources/git/git-cache.ts';
import { GitSource } from '../../controller/sources/git-source.ts';
import { CliError } from '../cli-errors.ts';
import type { Session } from '../session.ts';
import { comparable, maskSecrets, toYaml } from './normalize.ts';

const CONCURRENCY = 16;

export type ChangeAction = 'create' | 'update' | 'prune';

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
}

export interface AppDiff {
  revision: string;
  changes: ObjectChange[];
  unchanged: number;
  /** Objects the API server refused in the dry run: the sync would fail on them. */
  errors: string[];
}

function describe(o: { kind: string; namespace: string | undefined; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** The files of the GitRepository's current artifact, fetched into a throw-away cache. */
async function withSourceFiles<T>(
  session: Session,
  repo: GitRepository,
  fn: (dir: string, revision: string) => Promise<T>,
): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'kubectl-sluice-diff-'));
  try {
    const source = new GitSource(session.api, new GitCache(root));
    const files = await source.artifactFiles(repo).catch((err: unknown) => {
      throw new CliError(
        `cannot fetch ${repo.status?.artifact?.revision} from ${repo.spec.url}: ${(err as Error).message}`,
        1,
        { cause: err },
      );
    });
    if (!files)
      throw new CliError(
        `GitRepository ${repo.metadata.namespace}/${repo.metadata.name} has no artifact yet`,
      );
    return await fn(files.dir, files.revision);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function impersonation(app: Application): Impersonation | undefined {
  const sa = app.spec.serviceAccountName;
  const ns = app.metadata.namespace as string;
  return sa
    ? {
        user: `system:serviceaccount:${ns}:${sa}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      }
    : undefined;
}

export async function diffApplication(
  session: Session,
  app: Application,
  opts: { kustomize: string },
): Promise<AppDiff> {
  const ref = app.spec.sourceRef;
  const repo = await session.api.get<GitRepository>(
    gitRepositoryResource,
    ref.namespace ?? app.metadata.namespace,
    ref.name,
  );
  return withSourceFiles(session, repo, async (dir, revision) => {
    const mapper = new RestMapper(session.client);
    const rendered = await render(dir, app.spec.path ?? '.', { kustomize: opts.kustomize });
    const types = new Map<string, ResourceType | undefined>();
    for (const r of rendered) {
      const { apiVersion, kind } = r.object as { apiVersion?: unknown; kind?: unknown };
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
      const id = `${apiVersion}|${kind}`;
      if (!types.has(id)) types.set(id, await mapper.map(apiVersion, kind).catch(() => undefined));
    }
    const desired = prepare(rendered, {
      app: { name: app.metadata.name, namespace: app.metadata.namespace as string },
      targetNamespace: app.spec.targetNamespace,
      scopeOf: (apiVersion, kind) => types.get(`${apiVersion}|${kind}`)?.namespaced,
    });
    const result: AppDiff = { revision, changes: [], unchanged: 0, errors: [] };
    const impersonate = impersonation(app);
    // As many requests in flight as the controller's sync uses.
    const outcomes = await mapLimit(desired, CONCURRENCY, (o) =>
      compare(session, o, types.get(`${o.apiVersion}|${o.kind}`), impersonate),
    );
    for (const outcome of outcomes) {
      if (typeof outcome === 'string') result.errors.push(outcome);
      else if (outcome) result.changes.push(outcome);
      else result.unchanged++;
    }
    if (app.spec.prune)
      result.changes.push(...(await prunes(session, mapper, app, new Set(desired.map((o) => o.id)))));
    return result;
  });
}

async function compare(
  session: Session,
  o: DesiredObject,
  rt: ResourceType | undefined,
  impersonate: Impersonation | undefined,
): Promise<ObjectChange | string | undefined> {
  const base = {
    kind: o.kind,
    apiVersion: o.apiVersion,
    namespace: o.namespace,
    name: o.name,
    source: o.source,
  };
  // A kind whose CRD arrives in the same revision cannot be dry-run yet: show it as written.
  if (!rt) {
    const written = comparable(o.object);
    maskSecrets(undefined, written);
    return { ...base, action: 'create', live: '', desired: toYaml(written) };
  }
  const live = await session.api.getOrUndefined(rt, o.namespace, o.name);
  let result: unknown;
  try {
    result = await session.api.apply(rt, o.object, { dryRun: true, impersonate });
  } catch (err) {
    // The namespace may be created by the same sync; the object itself is then new.
    if (!live && isNotFound(err)) result = o.object;
    else if (err instanceof KubeApiError) return `${describe(o)} (${o.source}): ${err.message}`;
    else throw err;
  }
  const liveObj = live ? comparable(live) : undefined;
  const resultObj = comparable(result);
  maskSecrets(liveObj, resultObj);
  const before = liveObj ? toYaml(liveObj) : '';
  const after = toYaml(resultObj);
  if (before === after) return undefined;
  return { ...base, action: live ? 'update' : 'create', live: before, desired: after };
}

async function prunes(
  session: Session,
  mapper: RestMapper,
  app: Application,
  keep: Set<string>,
): Promise<ObjectChange[]> {
  const out: ObjectChange[] = [];
  for (const entry of app.status?.inventory?.entries ?? []) {
    if (keep.has(entry.id)) continue;
    const ref = parseInventoryId(entry);
    const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
    const rt = await mapper.map(apiVersion, ref.kind).catch(() => undefined);
    if (!rt) continue;
    const live = await session.api.getOrUndefined(rt, ref.namespace, ref.name);
    // As the controller: gone already, or opted out of pruning, means nothing to delete.
    if (!live || live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled') continue;
    const shown = comparable(live);
    maskSecrets(shown, undefined);
    out.push({
      action: 'prune',
      kind: ref.kind,
      apiVersion,
      namespace: ref.namespace,
      name: ref.name,
      live: toYaml(shown),
      desired: '',
    });
  }
  return out;
}
