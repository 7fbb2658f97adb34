// The live objects an Application applied, for the health of each on its page: an informer per
// kind and namespace, started the first time a page asks for one (discovery maps the kind to
// its resource), so the page follows them as they change. Each open page holds the watches it
// asked for; the last page to let go of one stops it, so a dashboard left running does not
// keep a watch open for every Application anyone once looked at.

import { RestMapper } from '../../controller/apps/rest-mapper.ts';
import { KubeApiError } from '../../controller/kube/api-errors.ts';
import type { KubeClient } from '../../controller/kube/client.ts';
import { Informer } from '../../controller/kube/informer.ts';
import type { KubeObject } from '../../controller/kube/resources.ts';
import type { ObjectLookup, ObjectRef } from './view-model.ts';

interface Watched {
  informer?: Informer<KubeObject>;
  error?: string;
  /** Open pages holding it. */
  holders: number;
  stopped?: boolean;
}

/** One page's hold on the watches it looked up. */
export interface InventoryHold {
  lookup: ObjectLookup;
  /** Lets go of every watch this page asked for. */
  release(): void;
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

  /** A hold for one page: what it looks up is watched until it is released. */
  hold(): InventoryHold {
    const held = new Set<string>();
    let released = false;
    const lookup: ObjectLookup = (ref) => {
      if (released) return { synced: false };
      const key = `${ref.apiVersion}/${ref.kind}/${ref.namespace}`;
      let w = this.watched.get(key);
      if (!w) {
        w = { holders: 0 };
        this.watched.set(key, w);
        void this.watch(ref, w);
      }
      if (!held.has(key)) {
        held.add(key);
        w.holders++;
      }
      if (w.informer?.hasSynced) {
        return {
          synced: true,
          object: w.informer.get(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name),
        };
      }
      return { synced: false, error: w.error };
    };
    const release = () => {
      released = true;
      for (const key of held) {
        const w = this.watched.get(key);
        if (!w || --w.holders > 0) continue;
        w.stopped = true;
        w.informer?.stop();
        this.watched.delete(key);
      }
      held.clear();
    };
    return { lookup, release };
  }

  /** How many kinds (per namespace) are being watched now. */
  get size(): number {
    return this.watched.size;
  }

  stop(): void {
    for (const w of this.watched.values()) {
      w.stopped = true;
      w.informer?.stop();
    }
    this.watched.clear();
  }

  private async watch(ref: ObjectRef, w: Watched): Promise<void> {
    try {
      const resource = await this.mapper.map(ref.apiVersion, ref.kind);
      // Every page holding it left while discovery answered.
      if (w.stopped) return;
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
