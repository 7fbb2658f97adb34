// Every version of a namespace's shard Leases, as a watch delivers them, so a test can say from
// the Leases' own timestamps when a replica's shards were taken over and how.

import type { KubeClient } from '../../controller/kube/client.ts';
import { Informer } from '../../controller/kube/informer.ts';
import { core } from '../../controller/kube/resources.ts';
import type { Lease } from '../../controller/runtime/leader-election.ts';
import type { LeaseSpec } from '../../controller/runtime/lease.ts';

/** One shard moving away from a replica: its last record as holder and the record after it. */
export interface Handover {
  lease: string;
  /** renewTime of the last record naming the old holder (ms). */
  lastRenewed: number;
  /** The record that followed: a release (holder '') or the new holder's acquisition. */
  next: LeaseSpec;
  /** acquireTime of the first later record naming another replica (ms). */
  acquired: number;
  newHolder: string;
  leaseDurationMs: number;
}

const ms = (t: string | undefined) => Date.parse(t ?? '');

export class ShardLeaseHistory {
  private readonly informer: Informer<Lease>;
  private readonly versions = new Map<string, LeaseSpec[]>();

  constructor(client: KubeClient, namespace: string, prefix = 'sluice') {
    this.informer = new Informer<Lease>(client, {
      resource: core.leases,
      namespace,
      labelSelector: `sluice.dev/shard-group=${prefix}`,
    });
    const record = (l: Lease) => {
      if (!l.metadata.name.startsWith(`${prefix}-shard-`) || !l.spec) return;
      const seen = this.versions.get(l.metadata.name) ?? [];
      const last = seen.at(-1);
      // A relist repeats the current version: keep each one once.
      if (JSON.stringify(last) !== JSON.stringify(l.spec)) seen.push(structuredClone(l.spec));
      this.versions.set(l.metadata.name, seen);
    };
    this.informer.on('add', record);
    this.informer.on('update', record);
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.synced;
  }

  stop(): void {
    this.informer.stop();
  }

  /** The shard Leases `holder` holds now, as the watch last showed them. */
  heldBy(holder: string): string[] {
    return [...this.versions]
      .filter(([, seen]) => seen.at(-1)?.holderIdentity === holder)
      .map(([name]) => name)
      .sort();
  }

  /**
   * How each of `leases` left `holder`, once another replica holds it; undefined while one is
   * still held by `holder` or nobody.
   */
  handovers(leases: readonly string[], holder: string): Handover[] | undefined {
    const out: Handover[] = [];
    for (const name of leases) {
      const seen = this.versions.get(name) ?? [];
      const i = seen.findLastIndex((s) => s.holderIdentity === holder);
      const next = seen[i + 1];
      const taken = seen.slice(i + 1).find((s) => s.holderIdentity && s.holderIdentity !== holder);
      if (i < 0 || !next || !taken) return undefined;
      out.push({
        lease: name,
        lastRenewed: ms(seen[i]?.renewTime),
        next,
        acquired: ms(taken.acquireTime),
        newHolder: taken.holderIdentity ?? '',
        leaseDurationMs: (seen[i]?.leaseDurationSeconds ?? 0) * 1000,
      });
    }
    return out;
  }
}
