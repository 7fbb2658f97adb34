import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/resources.ts';
import type { DesiredObject } from './manifest.ts';
import { objectOptions } from './object-options.ts';
import {
  contentDigest,
  SOURCE_REVISION_ANNOTATION,
  sourceRevisionOf,
  stampRevisions,
} from './revision-stamp.ts';

function desired(name: string, data: Record<string, string>): DesiredObject {
  return {
    id: `ns_${name}__ConfigMap`,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name,
    namespace: 'ns',
    namespaced: true,
    wave: 0,
    source: `${name}.yaml`,
    options: objectOptions(undefined),
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data } as KubeObject,
  };
}

const none = { stamp: () => undefined, live: () => undefined };

describe('stampRevisions', () => {
  it('stamps the new revision on objects never seen before', () => {
    const a = desired('a', { k: '1' });
    const stamps = stampRevisions([a], 'main@sha1:new', none);
    expect(sourceRevisionOf(a.object)).toBe('main@sha1:new');
    expect(stamps.get(a.id)?.revision).toBe('main@sha1:new');
  });

  it('keeps the earlier revision of an object whose content did not change', () => {
    const a = desired('a', { k: '1' });
    const b = desired('b', { k: '2' });
    const earlier = new Map([
      [a.id, { digest: contentDigest(desired('a', { k: '1' })), revision: 'main@sha1:old' }],
      [b.id, { digest: contentDigest(desired('b', { k: 'was' })), revision: 'main@sha1:old' }],
    ]);
    stampRevisions([a, b], 'main@sha1:new', { stamp: (id) => earlier.get(id), live: () => undefined });
    expect(sourceRevisionOf(a.object)).toBe('main@sha1:old');
    expect(sourceRevisionOf(b.object)).toBe('main@sha1:new');
  });

  it('after a restart keeps the live stamp when the live object holds every field the manifest sets', () => {
    const same = desired('a', { k: '1' });
    const changed = desired('b', { k: '2' });
    const live = (o: DesiredObject): KubeObject => ({
      ...structuredClone(o.object),
      metadata: {
        ...o.object.metadata,
        uid: 'u',
        annotations: { [SOURCE_REVISION_ANNOTATION]: 'main@sha1:old', other: 'x' },
      },
      data: o.name === 'a' ? { k: '1', extra: 'defaulted' } : { k: 'was' },
    });
    stampRevisions([same, changed], 'main@sha1:new', { stamp: () => undefined, live });
    expect(sourceRevisionOf(same.object)).toBe('main@sha1:old');
    expect(sourceRevisionOf(changed.object)).toBe('main@sha1:new');
  });

  it('the stamp never reaches a pod template', () => {
    const d = desired('a', {});
    d.object = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a' },
      spec: { template: { metadata: { labels: { app: 'a' } } } },
    } as KubeObject;
    stampRevisions([d], 'main@sha1:new', none);
    expect(JSON.stringify((d.object as KubeObject & { spec: unknown }).spec)).not.toContain('sluice.dev');
  });
});
