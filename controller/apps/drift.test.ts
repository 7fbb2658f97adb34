import { describe, expect, it } from 'vitest';
import { deepEqual } from '../runtime/merge-patch.ts';
import { managedShape, project } from './drift.ts';

const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
  },
};

/** What the API server returns: defaults, server metadata and status added. */
const live = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'apps',
    uid: '1234',
    resourceVersion: '99',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'sluice' }],
    labels: { app: 'web' } as Record<string, string>,
    annotations: { 'deployment.kubernetes.io/revision': '3' } as Record<string, string>,
  },
  spec: {
    replicas: 2,
    revisionHistoryLimit: 10,
    strategy: { type: 'RollingUpdate' },
    template: {
      spec: {
        containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }],
        restartPolicy: 'Always',
      },
    },
  },
  status: { replicas: 2, readyReplicas: 2 },
};

describe('managedShape', () => {
  it('keeps what the manifest sets, without status and with only labels and annotations of metadata', () => {
    expect(managedShape({ ...desired, status: { replicas: 1 } })).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { labels: { app: 'web' }, annotations: {} },
      spec: desired.spec,
    });
  });

  it('always has labels and annotations maps, even when the manifest has no metadata', () => {
    expect(managedShape({ kind: 'ConfigMap' })).toEqual({
      kind: 'ConfigMap',
      metadata: { labels: {}, annotations: {} },
    });
    expect(managedShape({ kind: 'ConfigMap', metadata: 'odd' })).toEqual({
      kind: 'ConfigMap',
      metadata: { labels: {}, annotations: {} },
    });
  });
});

describe('project', () => {
  const shape = managedShape(desired);

  it('takes only the paths the shape has: extra live fields and server metadata are ignored', () => {
    expect(project(live, shape)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { labels: { app: 'web' }, annotations: {} },
      spec: {
        replicas: 2,
        template: {
          spec: { containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }] },
        },
      },
    });
  });

  it('takes arrays whole, defaults inside them included', () => {
    expect(project({ a: [1, 2, 3] }, { a: [1] })).toEqual({ a: [1, 2, 3] });
    expect(project({ a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] })).toEqual({ a: [{ x: 1, y: 2 }] });
  });

  it('leaves out paths the source does not have, and mismatched types', () => {
    expect(project({ spec: {} }, { spec: { replicas: 1 } })).toEqual({ spec: {} });
    expect(project({}, { spec: { replicas: 1 } })).toEqual({});
    expect(project({ spec: 'scalar' }, { spec: { replicas: 1 } })).toEqual({ spec: undefined });
    expect(project(undefined, { a: 1 })).toBeUndefined();
    expect(project([1], { a: 1 })).toBeUndefined();
  });

  it('takes an absent map for an empty one the shape manages', () => {
    expect(project({ metadata: {} }, { metadata: { annotations: {} } })).toEqual({
      metadata: { annotations: {} },
    });
    expect(project({}, { spec: {} })).toEqual({ spec: {} });
  });

  it('sees no drift when a controller adds the first annotation to an object applied without any', () => {
    const { annotations: _none, ...bare } = live.metadata;
    expect(deepEqual(project({ ...live, metadata: bare }, shape), project(live, shape))).toBe(true);
  });

  it('returns scalars and nulls of the source as they are', () => {
    expect(project(5, 1)).toBe(5);
    expect(project({ a: null }, { a: 'x' })).toEqual({ a: null });
    expect(project({ a: 'live' }, { a: null })).toEqual({ a: 'live' });
  });

  it('finds drift in a managed field, and none in fields or labels the manifest does not set', () => {
    const applied = project(live, shape);
    const scaled = structuredClone(live);
    scaled.spec.replicas = 5;
    expect(deepEqual(project(scaled, shape), applied)).toBe(false);

    const imageChanged = structuredClone(live);
    const container = imageChanged.spec.template.spec.containers[0];
    if (container) container.image = 'nginx:evil';
    expect(deepEqual(project(imageChanged, shape), applied)).toBe(false);

    const relabelled = structuredClone(live);
    relabelled.metadata.labels = { app: 'api' };
    expect(deepEqual(project(relabelled, shape), applied)).toBe(false);

    const unlabelled = structuredClone(live);
    unlabelled.metadata.labels = {};
    expect(deepEqual(project(unlabelled, shape), applied)).toBe(false);

    const touched = structuredClone(live);
    touched.metadata.resourceVersion = '100';
    touched.metadata.managedFields = [];
    touched.spec.revisionHistoryLimit = 3;
    touched.status.readyReplicas = 0;
    touched.metadata.labels = { app: 'web', 'added-by': 'someone-else' };
    touched.metadata.annotations['kubectl.kubernetes.io/restartedAt'] = 'now';
    expect(deepEqual(project(touched, shape), applied)).toBe(true);
  });
});
