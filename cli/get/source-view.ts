// `get app` and `get source`: an Application or a GitRepository as a tree of what a person asks
// first: which revision, is it in sync and healthy, what does it own, what happened last.

import type { Application } from '../../controller/api/application.ts';
import type { GitRepository } from '../../controller/api/git-repository.ts';
import { CONDITION_READY, type Condition } from '../../controller/api/meta.ts';
import { parseInventoryId } from '../../controller/apps/manifest.ts';
import { age, renderTree, type TreeNode } from './tree.ts';

export function conditionNodes(conditions: Condition[] | undefined, now: Date): TreeNode[] {
  return (conditions ?? []).map((c) => ({
    cells: [c.type, c.status, c.reason, age(c.lastTransitionTime, now), c.message.split('\n')[0] ?? ''],
  }));
}

function readyOf(obj: { status?: { conditions?: Condition[] } }): string {
  const ready = obj.status?.conditions?.find((c) => c.type === CONDITION_READY);
  return ready ? `Ready=${ready.status}` : 'Ready=Unknown';
}

function inventoryNodes(app: Application): TreeNode {
  const entries = app.status?.inventory?.entries ?? [];
  const byKind = new Map<string, number>();
  for (const e of entries) {
    let kind = e.id;
    try {
      const ref = parseInventoryId(e);
      kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
    } catch {
      // an entry the controller did not write: show it as it is
    }
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const kinds = [...byKind].sort(([a], [b]) => a.localeCompare(b));
  return {
    cells: ['Inventory', `${entries.length} object${entries.length === 1 ? '' : 's'}`],
    children: kinds.map(([kind, n]) => ({ cells: [kind, String(n)] })),
  };
}

function lastSync(app: Application, now: Date): TreeNode | undefined {
  const last = app.status?.history?.[0];
  if (!last) return undefined;
  const counts =
    last.objectsChanged !== undefined
      ? `${last.objectsChanged} changed, ${last.objectsPruned ?? 0} pruned`
      : undefined;
  const detail = [counts, last.message].filter((x) => x).join('; ');
  return {
    cells: [
      'Last sync',
      `${last.result} ${last.revision} ${age(last.time, now)} ago${detail ? ` (${detail})` : ''}`,
    ],
  };
}

/** While the Application is being deleted: what its policy did and what it still waits for. */
function deletionNode(app: Application, now: Date): TreeNode | undefined {
  const since = app.metadata.deletionTimestamp;
  if (!since) return undefined;
  const d = app.status?.deletion;
  const list = (label: string, names: string[] | undefined): TreeNode | undefined =>
    names?.length
      ? { cells: [label, String(names.length)], children: names.map((n) => ({ cells: [n] })) }
      : undefined;
  const children = [
    list('Terminating', d?.terminating),
    list('Kept', d?.kept),
    list('Deleted', d?.deleted),
  ].filter((n) => n !== undefined);
  return {
    cells: ['Deleting', `for ${age(since, now)}: ${d?.message ?? 'not handled yet'}`],
    children,
  };
}

export function renderApplication(app: Application, source: GitRepository | undefined, now: Date): string {
  const ns = app.metadata.namespace ?? '';
  const ref = app.spec.sourceRef;
  const chart = app.spec.helm?.chart;
  const refNs = ref?.namespace ?? ns;
  const st = app.status ?? {};
  const sourceText = !ref
    ? `chart ${chart?.name} ${chart?.version ?? '*'} from HelmRepository ${ns}/${chart?.sourceRef.name}`
    : source
      ? `${ref.kind} ${refNs}/${ref.name} at ${source.status?.artifact?.revision ?? '(no artifact yet)'} (${readyOf(source)})`
      : `${ref.kind} ${refNs}/${ref.name} (not found)`;
  const rows: (TreeNode | undefined)[] = [
    { cells: ['Source', sourceText] },
    { cells: ['Path', app.spec.path ?? '.'] },
    {
      cells: [
        'Revision',
        st.lastAppliedRevision ? `${st.lastAppliedRevision} (applied)` : '(nothing applied yet)',
      ],
    },
    st.lastAttemptedRevision && st.lastAttemptedRevision !== st.lastAppliedRevision
      ? { cells: ['Attempted', st.lastAttemptedRevision] }
      : undefined,
    { cells: ['Sync', st.syncStatus ?? 'Unknown'] },
    { cells: ['Health', st.health ?? 'Unknown'] },
    app.spec.suspend ? { cells: ['Suspended', 'yes (spec.suspend)'] } : undefined,
    { cells: ['Prune', app.spec.prune ? 'on' : 'off'] },
    { cells: ['Deletion policy', app.spec.deletionPolicy ?? 'MirrorPrune'] },
    deletionNode(app, now),
    inventoryNodes(app),
    lastSync(app, now),
    { cells: ['Conditions', ''], children: conditionNodes(st.conditions, now) },
  ];
  const root = {
    cells: [`Application ${ns}/${app.metadata.name}`],
    children: rows.filter((r) => r !== undefined),
  };
  return renderTree([root]);
}

export function renderGitRepository(repo: GitRepository, now: Date): string {
  const ref = repo.spec.ref ?? {};
  const refText =
    Object.entries(ref)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || "the remote's HEAD";
  const artifact = repo.status?.artifact;
  const rows: (TreeNode | undefined)[] = [
    { cells: ['URL', repo.spec.url] },
    { cells: ['Ref', refText] },
    { cells: ['Interval', repo.spec.interval] },
    {
      cells: [
        'Revision',
        artifact
          ? `${artifact.revision} (updated ${age(artifact.lastUpdateTime, now)} ago)`
          : '(no artifact yet)',
      ],
    },
    repo.spec.suspend ? { cells: ['Suspended', 'yes (spec.suspend)'] } : undefined,
    { cells: ['Conditions', ''], children: conditionNodes(repo.status?.conditions, now) },
  ];
  const root = {
    cells: [`GitRepository ${repo.metadata.namespace ?? ''}/${repo.metadata.name}`],
    children: rows.filter((r) => r !== undefined),
  };
  return renderTree([root]);
}
