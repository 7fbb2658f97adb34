import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { KubeClient, RequestOptions } from './client.ts';
import { Informer } from './informer.ts';
import { core, type KubeObject } from './resources.ts';

const rs = (name: string, rv: string, owner?: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name,
    namespace: 'ns',
    resourceVersion: rv,
    ...(owner
      ? {
          ownerReferences: [{ apiVersion: 'x/v1', kind: 'Rollout', name: 'r', uid: owner, controller: true }],
        }
      : {}),
  },
});

describe('Informer owner index', () => {
  // observe() goes through the same upsert as watch events; the client is never used by it.
  const informer = () => new Informer<KubeObject>({} as KubeClient, { resource: core.replicaSets });

  it('finds objects by the uid of their controlling owner', () => {
    const inf = informer();
    inf.observe(rs('a', '1', 'u1'));
    inf.observe(rs('b', '2', 'u1'));
    inf.observe(rs('c', '3', 'u2'));
    inf.observe(rs('d', '4'));
    expect(
      inf
        .ownedBy('u1')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(inf.ownedBy('u2').map((o) => o.metadata.name)).toEqual(['c']);
    expect(inf.ownedBy(undefined)).toEqual([]);
  });

  it('follows a change of owner and returns the newest copy', () => {
    const inf = informer();
    inf.observe(rs('a', '1', 'u1'));
    inf.observe(rs('a', '2', 'u2'));
    expect(inf.ownedBy('u1')).toEqual([]);
    expect(inf.ownedBy('u2').map((o) => o.metadata.resourceVersion)).toEqual(['2']);
    inf.observe(rs('a', '3'));
    expect(inf.ownedBy('u2')).toEqual([]);
  });
});

describe('Informer transform', () => {
  it('caches what the transform returns, for observed objects too', () => {
    const inf = new Informer<KubeObject>({} as KubeClient, {
      resource: core.replicaSets,
      transform: (o) => ({ ...o, metadata: { ...o.metadata, labels: { cached: 'yes' } } }),
    });
    const written = rs('a', '1', 'u1');
    inf.observe(written);
    expect(inf.get('ns/a')?.metadata.labels).toEqual({ cached: 'yes' });
    expect(inf.ownedBy('u1').map((o) => o.metadata.name)).toEqual(['a']);
    expect(written.metadata.labels).toBeUndefined();
  });
});

describe('Informer, metadata only', () => {
  /** A metadata-only informer over a client answering the list with `items`, and no watch events. */
  async function listedOnce(items: KubeObject[] | null, accepts: (string | undefined)[] = []) {
    const client = {
      request: async (opts: RequestOptions) => {
        accepts.push(opts.accept);
        return { metadata: { resourceVersion: '5' }, items };
      },
      stream: async (opts: RequestOptions) => {
        accepts.push(opts.accept);
        return Object.assign(Readable.from([]), { destroy: () => undefined });
      },
    };
    const inf = new Informer<KubeObject>(client as unknown as KubeClient, {
      resource: core.replicaSets,
      metadataOnly: true,
    });
    inf.start();
    await inf.synced;
    inf.stop();
    return inf;
  }

  it('asks for PartialObjectMetadata and caches it as the kind it is', async () => {
    const accepts: (string | undefined)[] = [];
    const inf = await listedOnce(
      [
        {
          apiVersion: 'meta.k8s.io/v1',
          kind: 'PartialObjectMetadata',
          metadata: { name: 'a', namespace: 'ns', resourceVersion: '4' },
        },
      ],
      accepts,
    );
    expect(inf.get('ns/a')).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet' });
    expect(accepts[0]).toBe('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
  });

  it('takes an empty list, which the API server sends with items: null', async () => {
    const inf = await listedOnce(null);
    expect(inf.list()).toEqual([]);
  });
});

describe('Informer watch events', () => {
  it('skips the event of a write already observed, and transforms only the others', async () => {
    const line = (o: KubeObject) => `${JSON.stringify({ type: 'MODIFIED', object: o })}\n`;
    // One watch, open until stop(); its events are pushed once the write is observed.
    const feed = new Readable({ read: () => undefined });
    const client = {
      request: async () => ({ metadata: { resourceVersion: '5' }, items: [rs('a', '5')] }),
      stream: async () => feed,
    };
    let transformed = 0;
    const inf = new Informer<KubeObject>(client as unknown as KubeClient, {
      resource: core.replicaSets,
      transform: (o) => {
        transformed++;
        return o;
      },
    });
    const updates: string[] = [];
    inf.on('update', (o) => updates.push(o.metadata.resourceVersion ?? ''));
    inf.start();
    await inf.synced;
    inf.observe(rs('a', '7'));
    feed.push(line(rs('a', '7')));
    feed.push(line(rs('a', '8')));
    await new Promise((r) => setTimeout(r, 50));
    inf.stop();
    expect(updates).toEqual(['7', '8']);
    // The list's object, the observed one, and the event at 8; not the event at 7.
    expect(transformed).toBe(3);
  });
});
