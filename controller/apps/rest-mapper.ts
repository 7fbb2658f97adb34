import { isNotFound } from '../kube/api-errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { type ResourceType, splitApiVersion } from '../kube/resources.ts';

export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const REFRESH_MIN_MS = 2_000;

/**
 * Maps apiVersion + kind to the REST resource, reading discovery lazily per group/version
 * and refreshing a group/version when a kind is missing (a CRD applied a moment ago).
 */
export class RestMapper {
  private readonly client: KubeClient;
  private readonly cache = new Map<string, { at: number; kinds: Map<string, ResourceType> }>();

  constructor(client: KubeClient) {
    this.client = client;
  }

  async map(apiVersion: string, kind: string): Promise<ResourceType> {
    const cached = this.cache.get(apiVersion);
    const hit = cached?.kinds.get(kind);
    if (hit) return hit;
    if (!cached || Date.now() - cached.at > REFRESH_MIN_MS) {
      const kinds = await this.discover(apiVersion);
      this.cache.set(apiVersion, { at: Date.now(), kinds });
      const found = kinds.get(kind);
      if (found) return found;
    }
    throw new UnknownKindError(`no kind ${kind} is served at ${apiVersion}`);
  }

  /** Forgets what discovery said, for after CRDs were installed. */
  invalidate(apiVersion?: string): void {
    if (apiVersion) this.cache.delete(apiVersion);
    else this.cache.clear();
  }

  private async discover(apiVersion: string): Promise<Map<string, ResourceType>> {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const kinds = new Map<string, ResourceType>();
    try {
      const list = await this.client.request<ApiResourceList>({ path });
      for (const r of list.resources) {
        if (r.name.includes('/')) continue; // subresources
        kinds.set(r.kind, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return kinds;
  }
}
