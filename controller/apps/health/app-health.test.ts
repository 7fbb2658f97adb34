import { describe, expect, it } from 'vitest';
import { assessApplication, type LiveObject } from './app-health.ts';
import { CustomHealth } from './custom.ts';
import type { Obj } from './object.ts';

const starting: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation: 1 },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 },
};
const crashing: Obj = {
  kind: 'Pod',
  metadata: { name: 'web-1', ownerReferences: [{ kind: 'ReplicaSet', uid: 'rs', controller: true }] },
  status: { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
};
const live = (id: string, object: Obj | undefined, synced = true): LiveObject => ({ id, synced, object });

describe('assessApplication', () => {
  it('reads the pods of a Progressing workload, and asks to look again while they may still fail', async () => {
    const asked: string[] = [];
    const inputs = (pods: Obj[]) => ({
      pods: async (ns: string, sel: string) => {
        asked.push(`${ns}?${sel}`);
        return pods;
      },
    });
    const items = [live('shop_web_apps_Deployment', starting)];
    expect(await assessApplication(items, inputs([]))).toEqual({
      status: 'Progressing',
      message: 'Deployment shop/web: 0/1 replicas available',
      podsPending: true,
    });
    expect(asked).toEqual(['shop?app=web']);
    expect(await assessApplication(items, inputs([crashing]))).toEqual({
      status: 'Degraded',
      message: 'Deployment shop/web: pod web-1 container app: CrashLoopBackOff',
      podsPending: false,
    });
  });

  it('keeps the counted health when the pods cannot be read, and never reads them for other kinds', async () => {
    const failing = { pods: async () => Promise.reject(new Error('forbidden')) };
    const ingress: Obj = { kind: 'Ingress', metadata: { name: 'www' }, status: {} };
    const got = await assessApplication(
      [live('shop_web_apps_Deployment', starting), live('shop_www_networking.k8s.io_Ingress', ingress)],
      failing,
    );
    expect(got).toMatchObject({ status: 'Progressing', podsPending: false });
  });

  it('is Unknown before a cache has synced, and custom expressions come before the built-in rule', async () => {
    const none = { pods: async () => [] };
    expect(await assessApplication([live('shop_web_apps_Deployment', undefined, false)], none)).toMatchObject(
      {
        status: 'Unknown',
      },
    );
    const custom = new CustomHealth([
      { apiVersion: 'apps/v1', kind: 'Deployment', current: 'status.replicas == 1' },
    ]);
    expect(
      await assessApplication([live('shop_web_apps_Deployment', starting)], { ...none, custom }),
    ).toEqual({
      status: 'Healthy',
      message: '1 objects healthy',
      podsPending: false,
    });
  });
});
