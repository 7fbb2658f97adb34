// What a view reads: lists of a few resource types in a namespace. Fetched once for `get`, or
// kept current by informers (list, then watch) for `get --watch`, which redraws on each change.

import type { KubeClient } from '../../controller/kube/client.ts';
import { Informer } from '../../controller/kube/informer.ts';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import type { KubeObject, ResourceType } from '../../controller/kube/resources.ts';

export interface Need {
  rt: ResourceType;
  namespace: string;
  labelSelector?: string;
}

export interface Snapshot {
  list<T extends KubeObject>(rt: ResourceType, namespace: string): T[];
}

function keyOf(rt: ResourceType, namespace: string): string {
  return `${rt.group}/${rt.plural}/${namespace}`;
}

export async function fetchSnapshot(api: ObjectApi, needs: Need[]): Promise<Snapshot> {
  const lists = new Map<string, KubeObject[]>();
  await Promise.all(
    needs.map(async (n) => {
      const list = await api.list(
        n.rt,
        n.namespace,
        n.labelSelector ? { labelSelector: n.labelSelector } : {},
      );
      lists.set(keyOf(n.rt, n.namespace), list.items);
    }),
  );
  return {
    list: <T extends KubeObject>(rt: ResourceType, namespace: string) =>
      (lists.get(keyOf(rt, namespace)) ?? []) as T[],
  };
}

interface LiveSnapshot extends Snapshot {
  synced: Promise<void>;
  stop(): void;
}

/** Informers for every need; `onChange` runs after any add, update or delete once all are synced. */
export function watchSnapshot(
  client: KubeClient,
  needs: Need[],
  onChange: () => void,
  onError: (err: unknown) => void,
): LiveSnapshot {
  const informers = new Map<string, Informer<KubeObject>>();
  for (const n of needs) {
    const inf = new Informer<KubeObject>(client, {
      resource: n.rt,
      namespace: n.namespace,
      labelSelector: n.labelSelector,
      onError: (err) => onError(err),
    });
    for (const ev of ['add', 'update', 'delete'] as const) inf.on(ev, () => onChange());
    informers.set(keyOf(n.rt, n.namespace), inf);
  }
  for (const inf of informers.values()) inf.start();
  return {
    synced: Promise.all([...informers.values()].map((i) => i.synced)).then(() => undefined),
    list: <T extends KubeObject>(rt: ResourceType, namespace: string) =>
      (informers.get(keyOf(rt, namespace))?.list() ?? []) as T[],
    stop: () => {
      for (const inf of informers.values()) inf.stop();
    },
  };
}
