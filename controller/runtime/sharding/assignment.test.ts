// How shards are shared out: every shard to exactly one live member, a fair share each,
// and few shards moving besides the joining or leaving member's own share.

import { describe, expect, it } from 'vitest';
import { assignShards, liveMembers, memberExpiry, shardOf } from './assignment.ts';

const S = 16;

/** shard → member */
function owners(assignment: Map<string, number[]>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [m, shards] of assignment) for (const s of shards) out.set(s, m);
  return out;
}

function moved(a: Map<string, number[]>, b: Map<string, number[]>): number {
  const oa = owners(a);
  const ob = owners(b);
  let n = 0;
  for (let s = 0; s < S; s++) if (oa.get(s) !== ob.get(s)) n++;
  return n;
}

describe('shardOf', () => {
  it('puts a key in the same shard every time, and spreads many keys over all shards', () => {
    expect(shardOf('team-a/app-1', S)).toBe(shardOf('team-a/app-1', S));
    const counts = new Array<number>(S).fill(0);
    for (let i = 0; i < 3200; i++) {
      const s = shardOf(`ns/app-${i}`, S);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(S);
      counts[s] = (counts[s] ?? 0) + 1;
    }
    // 200 a shard on average; no shard gets less than half or more than double.
    expect(Math.min(...counts)).toBeGreaterThan(100);
    expect(Math.max(...counts)).toBeLessThan(400);
  });
});

describe('assignShards', () => {
  it('gives every shard to exactly one member, floor(S/N) or ceil(S/N) shards each', () => {
    for (let n = 1; n <= 20; n++) {
      const members = Array.from({ length: n }, (_, i) => `sluice-${i}`);
      const a = assignShards(members, S);
      expect([...owners(a).keys()].sort((x, y) => x - y)).toEqual([...Array(S).keys()]);
      const sizes = [...a.values()].map((s) => s.length);
      expect(sizes.reduce((x, y) => x + y, 0)).toBe(S);
      expect(Math.min(...sizes)).toBe(Math.floor(S / n));
      expect(Math.max(...sizes)).toBe(Math.ceil(S / n));
    }
  });

  it('is the same whatever order members are listed in, so every replica computes the same', () => {
    const a = assignShards(['c', 'a', 'b'], S);
    const b = assignShards(['b', 'c', 'a', 'a'], S);
    expect(a).toEqual(b);
    expect(assignShards([], S).size).toBe(0);
  });

  it('moves little more than the share of a member that joins or leaves', () => {
    let joinedTotal = 0;
    let leftTotal = 0;
    for (let t = 0; t < 200; t++) {
      const three = [`a-${t}`, `b-${t}`, `c-${t}`];
      const before = assignShards(three, S);
      const joined = assignShards([...three, `d-${t}`], S);
      // The new member takes its 4; at most 3 more change hands among the others.
      expect(joined.get(`d-${t}`)).toHaveLength(4);
      expect(moved(before, joined)).toBeLessThanOrEqual(7);
      joinedTotal += moved(before, joined);
      const left = assignShards(three.slice(1), S);
      const share = before.get(`a-${t}`)?.length ?? 0;
      expect(moved(before, left)).toBeLessThanOrEqual(share + 3);
      leftTotal += moved(before, left) - share;
    }
    // On average close to the minimum: the joiner's 4, the leaver's own.
    expect(joinedTotal / 200).toBeLessThan(5.5);
    expect(leftTotal / 200).toBeLessThan(1);
  });
});

describe('liveMembers', () => {
  const now = Date.parse('2026-01-01T00:00:30Z');
  it('counts members renewed within their lease duration, and itself always', () => {
    expect(
      liveMembers(
        [
          { holderIdentity: 'fresh', renewTime: '2026-01-01T00:00:20.000000Z', leaseDurationSeconds: 15 },
          { holderIdentity: 'stale', renewTime: '2026-01-01T00:00:10.000000Z', leaseDurationSeconds: 15 },
          { holderIdentity: '', renewTime: '2026-01-01T00:00:29.000000Z', leaseDurationSeconds: 15 },
          { holderIdentity: 'no-time', leaseDurationSeconds: 15 },
        ],
        'me',
        now,
      ),
    ).toEqual(['fresh', 'me']);
  });

  it('says when a membership lapses, which is when it stops counting as live', () => {
    const r = { holderIdentity: 'x', renewTime: '2026-01-01T00:00:20.000000Z', leaseDurationSeconds: 15 };
    const expiry = memberExpiry(r) as number;
    expect(expiry).toBe(Date.parse('2026-01-01T00:00:35Z'));
    expect(liveMembers([r], 'me', expiry - 1)).toEqual(['me', 'x']);
    expect(liveMembers([r], 'me', expiry)).toEqual(['me']);
    expect(memberExpiry({ holderIdentity: 'x' })).toBeUndefined();
  });
});
