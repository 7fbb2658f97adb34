// The live objects an Application applied, for the health of each on its page: an informer per
// kind and namespace, started the first time a page asks for one (discovery maps the kind to
// its resource) and kept while the dashboard runs, so the page follows them as they change.

import { RestMapper } from '../../controller/apps/rest-mapper.ts';
import { KubeApiError } from '../../controller/kube/api-errors.ts';
import type { KubeClient } from '../../controller/kube/client.ts';
import { Informer } from '../../controller/kube/informer.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import type { ObjectLookup, ObjectRef } from './view-model.ts';

interface Watched {
  informer?: Informer<KubeObject>;
  error?: string;
}

export class InventoryWatch {
  private readonly client: KubeClient;
  private readonly mapper: RestMapper;
  private readonly watched = new Map<string, Watched>();
  private readonly onChange: () => void;

  constructor(client: KubeClient, onChange: () => void) {
    this.client = client;
    this.mapper = new RestMapper(client);
    this.onChange = onChange;
  }

  /** What is known of one object now; asks for its kind to be watched when it is not yet. */
  readonly lookup: ObjectLookup = (ref) => {
    const key = `${ref.apiVersion}/${ref.kind}/${ref.namespace}`;
    let w = this.watched.get(key);
    if (!w) {
      w = {};
      this.watched.set(key, w);
      void this.watch(ref, w);
    }
    if (w.informer?.hasSynced) {
      return {
        synced: true,
        object: w.informer.get(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name),
      };
    }
    return { synced: false, error: w.error };
  };

  stop(): void {
    for (const w of this.watched.values()) w.informer?.stop();
  }

  private async watch(ref: ObjectRef, w: Watched): Promise<void> {
    try {
      const resource = await this.mapper.map(ref.apiVersion, ref.kind);
      const informer = new Informer<KubeObject>(this.client, {
        resource,
        namespace: resource.namespaced ? ref.namespace : undefined,
        onError: (err) => {
          w.error = describe(err);
          this.onChange();
        },
      });
      for (const ev of ['add', 'update', 'delete'] as const) {
        informer.on(ev, () => {
          w.error = undefined;
          this.onChange();
        });
      }
      void informer.synced.then(() => {
        w.error = undefined;
        this.onChange();
      });
      w.informer = informer;
      informer.start();
    } catch (err) {
      w.error = describe(err);
      this.onChange();
    }
  }
}

export function describe(err: unknown): string {
  if (err instanceof KubeApiError) return `${err.reason}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
