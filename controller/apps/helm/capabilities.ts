// `.Capabilities` of the live cluster for `helm template`: the server's version and every
// group/version and group/version/Kind it serves, read by discovery and kept for a while.

import type { KubeClient } from '../../kube/client.ts';
import type { Capabilities } from './render-chart.ts';

/** A CRD applied a moment ago shows up in charts' `.Capabilities` within this. */
const REFRESH_MS = 30_000;

interface GroupList {
  groups: { versions: { groupVersion: string }[] }[];
}
interface ResourceList {
  resources: { name: string; kind: string }[];
}

/** The API versions in helm's forms, from discovery's answers; subresources left out. */
export function apiVersionSet(groupVersions: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [gv, kinds] of [...groupVersions].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(gv, ...[...new Set(kinds)].sort().map((k) => `${gv}/${k}`));
  }
  return out;
}

/** What the cluster offers, read again when older than REFRESH_MS (one read at a time). */
export class ClusterCapabilities {
  private readonly client: KubeClient;
  private readonly now: () => number;
  private cached: { at: number; value: Promise<Capabilities> } | undefined;

  constructor(client: KubeClient, now: () => number = Date.now) {
    this.client = client;
    this.now = now;
  }

  /** Read again at the next get: a sync just applied a CustomResourceDefinition. */
  invalidate(): void {
    this.cached = undefined;
  }

  get(): Promise<Capabilities> {
    if (!this.cached || this.now() - this.cached.at > REFRESH_MS) {
      const value = this.discover();
      this.cached = { at: this.now(), value };
      // A failed read is not kept: the next call tries again.
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }

  private async discover(): Promise<Capabilities> {
    const version = await this.client.request<{ gitVersion: string }>({ path: '/version' });
    const core = await this.client.request<{ versions: string[] }>({ path: '/api' });
    const groups = await this.client.request<GroupList>({ path: '/apis' });
    const gvs = [...core.versions, ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const kinds = new Map<string, string[]>();
    await Promise.all(
      gvs.map(async (gv) => {
        const list = await this.client
          .request<ResourceList>({ path: gv.includes('/') ? `/apis/${gv}` : `/api/${gv}` })
          .catch(() => ({ resources: [] })); // an aggregated API that is down: its group/version alone
        kinds.set(
          gv,
          list.resources.filter((r) => !r.name.includes('/')).map((r) => r.kind),
        );
      }),
    );
    return { kubeVersion: version.gitVersion.replace(/[-+].*$/, ''), apiVersions: apiVersionSet(kinds) };
  }
}
