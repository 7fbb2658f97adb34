import { describe, expect, it } from 'vitest';
import { analysisRunResource } from '../api/analysis.ts';
import { experimentResource } from '../api/experiment.ts';
import { rolloutResource } from '../api/rollout.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import { createLogger } from '../observability/logger.ts';
import { ControllerMetrics } from '../observability/metrics.ts';
import { InformerFactory } from './informers.ts';
import { ownerShard } from './shard.ts';

const KEY = 'sharding.fluxcd.io/key';

// The caches are filled by observe(), as watch events would; the client is never used.
function factory(selector?: string): InformerFactory {
  const shard = selector ? { selector, resources: [rolloutResource] } : undefined;
  return new InformerFactory({} as KubeClient, createLogger('silent'), new ControllerMetrics(), 'ns', shard);
}

const obj = (
  rt: ResourceType,
  name: string,
  opts: { labels?: Record<string, string>; owner?: KubeObject } = {},
) =>
  ({
    apiVersion: `${rt.group}/${rt.version}`,
    kind: rt.kind,
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: '1',
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.owner
        ? {
            ownerReferences: [
              {
                apiVersion: opts.owner.apiVersion as string,
                kind: opts.owner.kind as string,
                name: opts.owner.metadata.name,
                uid: opts.owner.metadata.uid as string,
                controller: true,
              },
            ],
          }
        : {}),
    },
  }) as KubeObject;

describe('ownerShard', () => {
  it('is not there without a selector', () => {
    const f = factory();
    expect(ownerShard(f, [rolloutResource], f.for(analysisRunResource), () => {})).toBeUndefined();
  });

  it('sends what a Rollout or its Experiment controls where the Rollout goes, and the rest by its labels', () => {
    const f = factory(`${KEY}=shard1`);
    const runs = f.for<KubeObject>(analysisRunResource);
    const inShard = ownerShard(f, [rolloutResource, experimentResource], runs, () => {});
    if (!inShard) throw new Error('expected a shard filter');
    const ours = obj(rolloutResource, 'ours', { labels: { [KEY]: 'shard1' } });
    // The Rollouts cache is watched with the selector: a Rollout absent from it is another shard's.
    f.for(rolloutResource).observe(ours);
    const theirs = obj(rolloutResource, 'theirs');
    const experiment = obj(experimentResource, 'exp', { owner: ours });
    f.for(experimentResource).observe(experiment);

    expect(inShard(obj(analysisRunResource, 'a', { owner: ours }))).toBe(true);
    expect(inShard(obj(analysisRunResource, 'b', { owner: theirs, labels: { [KEY]: 'shard1' } }))).toBe(
      false,
    );
    expect(inShard(obj(analysisRunResource, 'c', { owner: experiment }))).toBe(true);
    expect(inShard(obj(analysisRunResource, 'd', { labels: { [KEY]: 'shard1' } }))).toBe(true);
    expect(inShard(obj(analysisRunResource, 'e', { labels: { [KEY]: 'shard2' } }))).toBe(false);
    // A Rollout of the same name but another uid (deleted and re-created) is not the owner.
    const stale = obj(analysisRunResource, 'f', {
      owner: { ...ours, metadata: { ...ours.metadata, uid: 'old' } },
    });
    expect(inShard(stale)).toBe(false);
  });

  it('wakes the runs of a Rollout that enters the shard, through its Experiments too', () => {
    const f = factory(`${KEY}=shard1`);
    const runs = f.for<KubeObject>(analysisRunResource);
    const woken: string[] = [];
    ownerShard(f, [rolloutResource, experimentResource], runs, (key) => woken.push(key));
    const ro = obj(rolloutResource, 'ro', { labels: { [KEY]: 'shard1' } });
    const experiment = obj(experimentResource, 'exp', { owner: ro });
    f.for(experimentResource).observe(experiment);
    runs.observe(obj(analysisRunResource, 'direct', { owner: ro }));
    runs.observe(obj(analysisRunResource, 'nested', { owner: experiment }));
    f.for(rolloutResource).observe(ro);
    expect(woken.sort()).toEqual(['ns/direct', 'ns/nested']);
  });
});
