import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/resources.ts';
import { inventoryId } from '../manifest.ts';
import { type DeletionPlanInput, type InventoryObject, planDeletion } from './deletion-plan.ts';
import { keepOnDeleteReason } from './keep-reason.ts';

function obj(
  kind: string,
  name: string,
  opts: {
    namespace?: string | null;
    wave?: number;
    annotations?: Record<string, string>;
    terminating?: boolean;
    gone?: boolean;
  } = {},
): InventoryObject {
  const namespace = opts.namespace === null ? undefined : (opts.namespace ?? 'team');
  const annotations = {
    ...(opts.wave !== undefined ? { 'argocd.argoproj.io/sync-wave': String(opts.wave) } : {}),
    ...opts.annotations,
  };
  const live: KubeObject = {
    apiVersion: 'v1',
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      annotations,
      ...(opts.terminating ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
  };
  const id = inventoryId({ namespace, name, apiVersion: 'v1', kind });
  return { id, apiVersion: 'v1', kind, name, namespace, live: opts.gone ? undefined : live };
}

const input = (extra: Partial<DeletionPlanInput> = {}): DeletionPlanInput => ({
  policy: 'MirrorPrune',
  prune: true,
  keepReason: keepOnDeleteReason,
  terminatingNamespaces: new Set(),
  appNamespaceTerminating: false,
  ...extra,
});

const names = (batches: InventoryObject[][]) => batches.map((b) => b.map((o) => o.name));

describe('planDeletion', () => {
  it('MirrorPrune deletes with prune on and orphans with prune off; Orphan never deletes; Delete always does', () => {
    const objects = [obj('ConfigMap', 'a')];
    expect(planDeletion(objects, input()).toDelete).toHaveLength(1);
    expect(planDeletion(objects, input({ prune: false })).deletes).toBe(false);
    expect(planDeletion(objects, input({ policy: 'Orphan' })).deletes).toBe(false);
    const del = planDeletion(objects, input({ policy: 'Delete', prune: false }));
    expect(names(del.toDelete)).toEqual([['a']]);
    expect(del.wait).toBe(false);
  });

  it('keeps objects annotated Delete=false (Argo CD) or prune: disabled (Flux), saying which', () => {
    const plan = planDeletion(
      [
        obj('ConfigMap', 'argo', {
          annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' },
        }),
        obj('ConfigMap', 'flux', { annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } }),
        obj('ConfigMap', 'bad', { annotations: { 'argocd.argoproj.io/sync-options': 'Delete=maybe' } }),
        obj('ConfigMap', 'plain'),
      ],
      input(),
    );
    expect(plan.kept.map((k) => [k.object.name, k.reason])).toEqual([
      ['argo', 'Delete=false'],
      ['flux', 'kustomize.toolkit.fluxcd.io/prune: disabled'],
      ['bad', expect.stringContaining('unreadable annotation (argocd.argoproj.io/sync-options')],
    ]);
    expect(names(plan.toDelete)).toEqual([['plain']]);
  });

  it('deletes the highest wave first and, within a wave, Namespaces and CRDs last', () => {
    const plan = planDeletion(
      [
        obj('Namespace', 'ns', { namespace: null, wave: -1 }),
        obj('ConfigMap', 'early', { wave: -1 }),
        obj('Deployment', 'app', { wave: 0 }),
        obj('Job', 'late', { wave: 5 }),
        obj('ClusterRole', 'reader', { namespace: null }),
        obj('CustomResourceDefinition', 'widgets.example.com', { namespace: null }),
      ],
      input({ policy: 'Delete' }),
    );
    expect(names(plan.toDelete)).toEqual([
      ['late'],
      ['app'],
      ['reader'],
      ['widgets.example.com'],
      ['early'],
      ['ns'],
    ]);
  });

  it('WaitForTermination deletes one wave at a time and waits while any of it is terminating', () => {
    const objects = [obj('Job', 'late', { wave: 5, terminating: true }), obj('Deployment', 'app')];
    const waiting = planDeletion(objects, input({ policy: 'WaitForTermination' }));
    expect(waiting.toDelete).toEqual([]);
    expect(waiting.terminating.map((o) => o.name)).toEqual(['late']);
    expect(waiting.wait).toBe(true);
    const next = planDeletion(
      [obj('Job', 'late', { wave: 5, gone: true }), obj('Deployment', 'app')],
      input({ policy: 'WaitForTermination' }),
    );
    expect(names(next.toDelete)).toEqual([['app']]);
    expect(next.wait).toBe(true);
    const done = planDeletion(
      [obj('Deployment', 'app', { gone: true })],
      input({ policy: 'WaitForTermination' }),
    );
    expect(done.wait).toBe(false);
  });

  it('leaves objects in a namespace being deleted to it, and never waits when its own namespace is going', () => {
    const plan = planDeletion(
      [
        obj('ConfigMap', 'here', { terminating: true }),
        obj('ConfigMap', 'elsewhere', { namespace: 'other' }),
      ],
      input({
        policy: 'WaitForTermination',
        terminatingNamespaces: new Set(['team']),
        appNamespaceTerminating: true,
      }),
    );
    expect(plan.toNamespace.map((o) => o.name)).toEqual(['here']);
    expect(names(plan.toDelete)).toEqual([['elsewhere']]);
    expect(plan.wait).toBe(false);
  });
});
