import { describe, expect, it } from 'vitest';
import type { Application } from '../api/application.ts';
import type { GitRepository } from '../api/git-repository.ts';
import type { ObjectMeta } from '../api/meta.ts';
import { eventSource, type ObjectLookup } from './event-source.ts';

const sha = (c: string) => c.repeat(40);
const app: Application = {
  metadata: { name: 'shop', namespace: 'apps' },
  spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, path: '.', interval: '1m', prune: true },
  status: { lastAppliedRevision: `main@sha1:${sha('a')}` },
};
const repo: GitRepository = {
  metadata: { name: 'repo', namespace: 'apps' },
  spec: { url: 'https://github.com/acme/shop.git', interval: '1m' },
  status: { artifact: { revision: `main@sha1:${sha('b')}`, lastUpdateTime: '2026-12-06T06:00:00Z' } },
};
const rollout = {
  metadata: {
    name: 'web',
    namespace: 'apps',
    labels: { 'sluice.dev/app-name': 'shop', 'sluice.dev/app-namespace': 'apps' },
  },
};
const objects: Record<string, { metadata: ObjectMeta }> = {
  'Application/shop': app,
  'GitRepository/repo': repo,
  'Rollout/web': rollout,
};
const lookup: ObjectLookup = (kind, _ns, name) => objects[`${kind}/${name}`];

describe('eventSource', () => {
  it('gives an applied object the revision and repository of its Application', () => {
    expect(eventSource('Rollout', rollout.metadata, 'Rollout aborted', lookup)).toEqual({
      revision: `main@sha1:${sha('a')}`,
      url: 'https://github.com/acme/shop.git',
      application: 'shop',
    });
  });

  it('follows an AnalysisRun to the Rollout that owns it', () => {
    const run = {
      name: 'web-1-2',
      namespace: 'apps',
      ownerReferences: [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u' }],
    };
    expect(eventSource('AnalysisRun', run, 'Failed', lookup)?.application).toBe('shop');
  });

  it("prefers the revision an Application's or GitRepository's message names over the cache's", () => {
    expect(
      eventSource('Application', app.metadata, `applied revision main@sha1:${sha('c')}: 1 changed`, lookup)
        ?.revision,
    ).toBe(`main@sha1:${sha('c')}`);
    expect(eventSource('GitRepository', repo.metadata, 'stored artifact', lookup)).toEqual({
      revision: `main@sha1:${sha('b')}`,
      url: 'https://github.com/acme/shop.git',
    });
  });

  it('knows nothing of objects outside any Application', () => {
    expect(eventSource('Rollout', { name: 'loose', namespace: 'apps' }, 'x', lookup)).toBeUndefined();
  });
});
