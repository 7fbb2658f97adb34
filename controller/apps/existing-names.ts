import { listedWithin } from '../kube/informer.ts';
import type { ResourceType } from '../kube/resources.ts';
import type { InformerFactory } from '../runtime/informers.ts';

/** How long a first look at a kind waits for its names to be listed. */
const FIRST_LIST_WAIT_MS = 3_000;

/**
 * Which objects exist, whoever made them: the names of every object of each kind an
 * Application applies, cluster-wide. The caches of ManagedObjects hold only objects that
 * carry our label, so they cannot tell that an object about to be adopted from Argo CD or
 * Flux is already there; this can, for a few bytes an object.
 */
export class ExistingNames {
  private readonly factory: Pick<InformerFactory, 'names'>;
  private readonly waited = new Set<string>();

  constructor(factory: Pick<InformerFactory, 'names'>) {
    this.factory = factory;
  }

  /**
   * True only when the kind's names are listed and hold no such object. The first look at
   * a kind waits a moment for its list; after that an unlisted kind (a list refused or slow)
   * answers false at once, which costs only the dry-run it would have saved.
   */
  async absent(rt: ResourceType, namespace: string | undefined, name: string): Promise<boolean> {
    const inf = this.factory.names(rt);
    const kind = `${rt.group}/${rt.plural}`;
    if (!inf.hasSynced && !this.waited.has(kind)) {
      this.waited.add(kind);
      await listedWithin(inf, FIRST_LIST_WAIT_MS);
    }
    if (!inf.hasSynced) return false;
    return inf.get(namespace ? `${namespace}/${name}` : name) === undefined;
  }
}
