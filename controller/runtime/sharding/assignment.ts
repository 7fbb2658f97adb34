// Pure decisions of automatic sharding: which shard an object is in, and which shards each
// live replica should hold. No I/O: the shard loop (shard-leases.ts) feeds them what it read.

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32 so nearby keys spread. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The shard of an object's shard key (`namespace/name` of the object, or of the Rollout that
 * owns it). Stable across replicas, restarts and versions: changing it moves every object.
 */
export function shardOf(key: string, shards: number): number {
  return hash32(key) % shards;
}

/**
 * Which shards each member should hold: rendezvous (highest random weight) hashing with
 * bounded load. Each shard goes to the member that weighs most for it among those with room,
 * and room is a fair share: every member ends with floor(S/N) or ceil(S/N) shards. Because a
 * member's weight for a shard does not depend on who else is there, a member joining or
 * leaving moves few shards besides its own share (see assignment.test.ts).
 */
export function assignShards(members: readonly string[], shards: number): Map<string, number[]> {
  const ids = [...new Set(members)].sort();
  const out = new Map<string, number[]>(ids.map((m) => [m, []]));
  if (ids.length === 0) return out;
  const floor = Math.floor(shards / ids.length);
  const extra = shards % ids.length;
  // Every (member, shard) pair by weight, strongest first; ties broken by name and shard.
  const pairs = ids
    .flatMap((m) => Array.from({ length: shards }, (_, shard) => ({ m, shard, w: hash32(`${m}#${shard}`) })))
    .sort((a, b) => b.w - a.w || (a.m < b.m ? -1 : a.m > b.m ? 1 : a.shard - b.shard));
  const taken = new Set<number>();
  let atCeiling = 0;
  for (const { m, shard } of pairs) {
    if (taken.has(shard)) continue;
    const held = out.get(m) as number[];
    // Room is a fair share: floor(S/N) each, and S mod N of them one more.
    if (held.length > floor || (held.length === floor && atCeiling >= extra)) continue;
    if (held.length === floor) atCeiling++;
    held.push(shard);
    taken.add(shard);
  }
  for (const held of out.values()) held.sort((a, b) => a - b);
  return out;
}

/** A membership Lease as the shard loop reads it. */
export interface MemberRecord {
  holderIdentity?: string | undefined;
  renewTime?: string | undefined;
  leaseDurationSeconds?: number | undefined;
}

/** When a membership Lease lapses: a lease duration after its renewTime; undefined without one. */
export function memberExpiry(r: MemberRecord): number | undefined {
  if (!r.holderIdentity || !r.renewTime) return undefined;
  const renewed = Date.parse(r.renewTime);
  return Number.isFinite(renewed) ? renewed + (r.leaseDurationSeconds ?? 0) * 1000 : undefined;
}

/**
 * The members whose membership Lease was renewed within its duration, and `self` always.
 * Membership only decides how shards are shared; a stale view costs balance, never safety,
 * which rests on the shard Leases alone.
 */
export function liveMembers(records: readonly MemberRecord[], self: string, now: number): string[] {
  const live = new Set([self]);
  for (const r of records) {
    const expiry = memberExpiry(r);
    if (r.holderIdentity && expiry !== undefined && expiry > now) live.add(r.holderIdentity);
  }
  return [...live].sort();
}
