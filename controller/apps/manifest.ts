import type { InventoryEntry } from '../api/application.ts';
import { type KubeObject, splitApiVersion } from '../kube/resources.ts';
import { AnnotationError } from './annotation-error.ts';
import { type SyncRole, syncRole } from './hooks/hook-annotations.ts';
import { type ObjectOptions, objectOptions } from './object-options.ts';
import type { RenderedObject } from './render.ts';

export const APP_NAME_LABEL = 'sluice.dev/app-name';
export const APP_NAMESPACE_LABEL = 'sluice.dev/app-namespace';

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

export interface DesiredObject {
  id: string;
  apiVersion: string;
  kind: string;
  /** For a hook created with `metadata.generateName`, that prefix. */
  name: string;
  /** Set when the API server picks the name (a hook with `metadata.generateName`). */
  generateName?: string;
  /** Undefined for cluster-scoped objects. */
  namespace: string | undefined;
  namespaced: boolean;
  wave: number;
  /** A hook: run in its phases, never in the inventory. */
  hook?: NonNullable<SyncRole['hook']>;
  /** Not applied (`argocd.argoproj.io/hook: Skip`). */
  skip?: boolean;
  /** What its sync-options and Flux annotations ask (prune, apply mode, re-creation). */
  options: ObjectOptions;
  source: string;
  object: KubeObject;
}

interface Meta {
  name?: unknown;
  generateName?: unknown;
  namespace?: unknown;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Flux's inventory id: `<namespace>_<name>_<group>_<kind>`. */
export function inventoryId(o: {
  namespace: string | undefined;
  name: string;
  apiVersion: string;
  kind: string;
}): string {
  return `${o.namespace ?? ''}_${o.name}_${splitApiVersion(o.apiVersion).group}_${o.kind}`;
}

/** An applied object's inventory entry: its id and the version it was applied at. */
export function inventoryEntry(o: { id: string; apiVersion: string }): InventoryEntry {
  return { id: o.id, v: splitApiVersion(o.apiVersion).version };
}

export function parseInventoryId(entry: InventoryEntry): {
  namespace: string | undefined;
  name: string;
  group: string;
  kind: string;
  version: string;
} {
  const parts = entry.id.split('_');
  if (parts.length !== 4) throw new ManifestError(`malformed inventory id ${entry.id}`);
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  return { namespace: namespace || undefined, name, group, kind, version: entry.v };
}

/**
 * Checks rendered objects and turns them into what will be applied: namespace set (the
 * targetNamespace wins for namespaced kinds), tracking labels added, duplicates refused.
 */
export function prepare(
  rendered: RenderedObject[],
  opts: {
    app: { name: string; namespace: string };
    targetNamespace: string | undefined;
    /** Whether a kind is namespaced; undefined when the API server does not know it yet. */
    scopeOf: (apiVersion: string, kind: string) => boolean | undefined;
  },
): DesiredObject[] {
  const crdScopes = new Map<string, boolean>();
  for (const r of rendered) {
    const o = r.object;
    if (o.kind === 'CustomResourceDefinition') {
      const spec = (o.spec ?? {}) as { group?: string; names?: { kind?: string }; scope?: string };
      if (spec.group && spec.names?.kind)
        crdScopes.set(`${spec.group}/${spec.names.kind}`, spec.scope !== 'Cluster');
    }
  }
  const seen = new Map<string, string>();
  return rendered.map((r) => {
    const o = r.object;
    if (typeof o.apiVersion !== 'string' || !o.apiVersion)
      throw new ManifestError(`${r.source}: apiVersion is missing`);
    if (typeof o.kind !== 'string' || !o.kind) throw new ManifestError(`${r.source}: kind is missing`);
    const meta = (o.metadata ?? {}) as Meta;
    const { role, options } = annotationsOf(
      meta,
      `${r.source}`,
      `${o.kind} ${String(meta.name ?? meta.generateName ?? '')}`,
    );
    const generateName =
      role.hook && (typeof meta.name !== 'string' || !meta.name) && typeof meta.generateName === 'string'
        ? meta.generateName
        : undefined;
    const name = generateName ?? meta.name;
    if (typeof name !== 'string' || !name) {
      throw new ManifestError(`${r.source}: ${o.kind} has no metadata.name`);
    }
    const group = splitApiVersion(o.apiVersion).group;
    // SkipDryRunOnMissingResource: a kind whose CRD another tool installs in an earlier wave;
    // taken as namespaced, as most custom resources are.
    const namespaced =
      opts.scopeOf(o.apiVersion, o.kind) ??
      crdScopes.get(`${group}/${o.kind}`) ??
      (options.skipDryRunOnMissingResource ? true : undefined);
    if (namespaced === undefined) {
      throw new ManifestError(`${r.source}: the API server does not serve kind ${o.kind} in ${o.apiVersion}`);
    }
    const declared = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined;
    const namespace = namespaced ? (opts.targetNamespace ?? declared ?? opts.app.namespace) : undefined;
    const object = structuredClone(o) as unknown as KubeObject;
    const metadata = { ...(object.metadata ?? {}) } as Meta & Record<string, unknown>;
    if (namespace) metadata.namespace = namespace;
    else delete metadata.namespace;
    metadata.labels = {
      ...(metadata.labels ?? {}),
      [APP_NAME_LABEL]: opts.app.name,
      [APP_NAMESPACE_LABEL]: opts.app.namespace,
    };
    object.metadata = metadata as KubeObject['metadata'];
    const id = inventoryId({ namespace, name, apiVersion: o.apiVersion, kind: o.kind });
    const first = seen.get(id);
    if (first)
      throw new ManifestError(
        `${r.source}: ${o.kind} ${namespace ? `${namespace}/` : ''}${name} is also defined in ${first}`,
      );
    seen.set(id, r.source);
    return {
      id,
      apiVersion: o.apiVersion,
      kind: o.kind,
      name,
      ...(generateName ? { generateName } : {}),
      namespace,
      namespaced,
      wave: role.wave,
      ...(role.hook ? { hook: role.hook } : {}),
      ...(role.skip ? { skip: true } : {}),
      options,
      source: r.source,
      object,
    };
  });
}

function annotationsOf(
  meta: Meta,
  source: string,
  object: string,
): { role: SyncRole; options: ObjectOptions } {
  try {
    return { role: syncRole(meta.annotations), options: objectOptions(meta.annotations) };
  } catch (err) {
    if (err instanceof AnnotationError)
      throw new ManifestError(`${source}: ${err.message} (${object.trim()})`, { cause: err });
    throw err;
  }
}

/** The objects an Application owns: not hooks, not skipped. They make its inventory. */
export function appObjects(objects: DesiredObject[]): DesiredObject[] {
  return objects.filter((o) => !o.hook && !o.skip);
}

/** Apply order within a wave: Namespaces and CRDs first, then cluster-scoped, then the rest. */
function phase(o: DesiredObject): number {
  if (o.kind === 'Namespace') return 0;
  if (o.kind === 'CustomResourceDefinition') return 1;
  return o.namespaced ? 3 : 2;
}

/** Groups objects into ordered stages: by sync wave, then by phase. */
export function stages(objects: DesiredObject[]): DesiredObject[][] {
  const groups = new Map<string, DesiredObject[]>();
  for (const o of objects) {
    const key = `${o.wave}:${phase(o)}`;
    const list = groups.get(key) ?? [];
    list.push(o);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => {
      const [wa, pa] = a.split(':').map(Number) as [number, number];
      const [wb, pb] = b.split(':').map(Number) as [number, number];
      return wa - wb || pa - pb;
    })
    .map(([, list]) => list);
}
