import { describe, expect, it } from 'vitest';
import type { Obj } from './object.ts';
import { workloadPods } from './pod-reader.ts';

const pod = (name: string, owner: { kind: string; uid: string } | undefined): Obj => ({
  kind: 'Pod',
  metadata: { name, ownerReferences: owner ? [{ ...owner, controller: true }] : [] },
});

describe('workloadPods', () => {
  const asked: string[] = [];
  const list = async (ns: string, selector: string) => {
    asked.push(`${ns}?${selector}`);
    return [
      pod('rs-pod', { kind: 'ReplicaSet', uid: 'rs1' }),
      pod('sts-pod', { kind: 'StatefulSet', uid: 's1' }),
      pod('bare', undefined),
    ];
  };

  it("lists by the workload's selector and keeps the pods it controls", async () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['b', 'a'] }],
    };
    const deployment: Obj = {
      kind: 'Deployment',
      metadata: { namespace: 'shop', uid: 'd1' },
      spec: { selector },
    };
    expect((await workloadPods(deployment, list))?.map((p) => p.metadata?.name)).toEqual(['rs-pod']);
    expect(asked.at(-1)).toBe('shop?app=web,tier in (a,b)');
    const sts: Obj = { kind: 'StatefulSet', metadata: { namespace: 'shop', uid: 's1' }, spec: { selector } };
    expect((await workloadPods(sts, list))?.map((p) => p.metadata?.name)).toEqual(['sts-pod']);
  });

  it('reads nothing for a workload without a selector', async () => {
    const n = asked.length;
    expect(
      await workloadPods({ kind: 'Deployment', metadata: { namespace: 'shop' }, spec: {} }, list),
    ).toBeUndefined();
    expect(asked.length).toBe(n);
  });
});
