// Every write a reconcile sends is checked against the shard claim it runs under, whatever
// sends it; reads, and requests made outside any reconcile, are not.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConnectionError } from '../../kube/api-errors.ts';
import { KubeClient } from '../../kube/client.ts';
import { loadKubeConfig } from '../../kube/config.ts';
import { createLogger } from '../../observability/logger.ts';
import { ControllerMetrics } from '../../observability/metrics.ts';
import { InformerFactory } from '../informers.ts';
import { AutoSharding, ShardFencedError } from './auto-sharding.ts';

let dir: string;
let client: KubeClient;
let sharding: AutoSharding;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-auto-sharding-'));
  const kubeconfig = join(dir, 'kubeconfig');
  // Nothing listens on port 1: a request that is let through fails to connect.
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  client = new KubeClient(loadKubeConfig({ kubeconfig }));
  const log = createLogger('silent');
  const metrics = new ControllerMetrics();
  sharding = new AutoSharding({
    config: { leaseNamespace: 'ns', identity: 'me', shards: 16, shardLeasePrefix: 'sluice' },
    client,
    controllers: [],
    informers: new InformerFactory(client, log, metrics, 'ns'),
    metrics,
    log,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const post = () => client.request({ method: 'POST', path: '/api/v1/namespaces/ns/configmaps', body: {} });
const get = () => client.request({ path: '/api/v1/namespaces/ns/configmaps' });

describe('AutoSharding', () => {
  it('refuses a write under a claim this replica does not hold, before sending it', async () => {
    const write = sharding.run({ shard: 3, term: 1 }, post);
    await expect(write).rejects.toBeInstanceOf(ShardFencedError);
    await expect(write).rejects.toThrow(
      'POST /api/v1/namespaces/ns/configmaps not sent: shard 3 is no longer held by this replica',
    );
  });

  it('lets reads through, and requests outside any reconcile', async () => {
    await expect(sharding.run({ shard: 3, term: 1 }, get)).rejects.toBeInstanceOf(KubeConnectionError);
    await expect(post()).rejects.toBeInstanceOf(KubeConnectionError);
  });

  it('claims nothing it does not hold', () => {
    expect(sharding.claim({ metadata: { name: 'a', namespace: 'ns' } })).toBeUndefined();
    expect(sharding.accepts(undefined)).toBe(false);
  });
});
