// What an object is sharded by: a Rollout's AnalysisRuns and Experiments go with it.

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/resources.ts';
import { shardKey } from './shard-key.ts';

const obj = (
  kind: string,
  name: string,
  owner?: { kind: string; name: string; uid: string },
): KubeObject => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind,
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    ...(owner
      ? { ownerReferences: [{ apiVersion: 'sluice.dev/v1alpha1', controller: true, ...owner }] }
      : {}),
  },
});

const rollout = obj('Rollout', 'web');
const experiment = obj('Experiment', 'web-exp', { kind: 'Rollout', name: 'web', uid: 'uid-web' });
const cache = new Map([
  ['Rollout/web', rollout],
  ['Experiment/web-exp', experiment],
]);
const lookup = (kind: string, _ns: string | undefined, name: string) => cache.get(`${kind}/${name}`);

describe('shardKey', () => {
  it('is the object itself when nothing of ours controls it', () => {
    expect(shardKey(obj('Application', 'app'), lookup)).toBe('ns/app');
    const foreign = obj('AnalysisRun', 'run', { kind: 'Rollout', name: 'web', uid: 'uid-web' });
    foreign.metadata.ownerReferences = [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'x', controller: true },
    ];
    expect(shardKey(foreign, lookup)).toBe('ns/run');
  });

  it('follows controlling owners up to the Rollout', () => {
    expect(
      shardKey(obj('AnalysisRun', 'run', { kind: 'Rollout', name: 'web', uid: 'uid-web' }), lookup),
    ).toBe('ns/web');
    expect(shardKey(experiment, lookup)).toBe('ns/web');
    const run = obj('AnalysisRun', 'exp-run', { kind: 'Experiment', name: 'web-exp', uid: 'uid-web-exp' });
    expect(shardKey(run, lookup)).toBe('ns/web');
  });

  it('takes an owner not cached yet, or a namesake with another uid, as the key', () => {
    const run = obj('AnalysisRun', 'run', { kind: 'Experiment', name: 'later', uid: 'uid-later' });
    expect(shardKey(run, lookup)).toBe('ns/later');
    const stale = obj('AnalysisRun', 'run', { kind: 'Experiment', name: 'web-exp', uid: 'old' });
    expect(shardKey(stale, lookup)).toBe('ns/web-exp');
  });
});
