import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../kube/client.ts';
import { apiVersionSet, ClusterCapabilities } from './capabilities.ts';

describe('capabilities', () => {
  it('lists group/versions and group/version/Kind, sorted, in helm forms', () => {
    const set = apiVersionSet(
      new Map([
        ['v1', ['Pod', 'ConfigMap']],
        ['apps/v1', ['Deployment']],
      ]),
    );
    expect(set).toEqual(['apps/v1', 'apps/v1/Deployment', 'v1', 'v1/ConfigMap', 'v1/Pod']);
  });

  it('reads discovery once per refresh interval', async () => {
    const answers: Record<string, unknown> = {
      '/version': { gitVersion: 'v1.37.2' },
      '/api': { versions: ['v1'] },
      '/apis': { groups: [{ versions: [{ groupVersion: 'apps/v1' }] }] },
      '/api/v1': {
        resources: [
          { name: 'pods', kind: 'Pod' },
          { name: 'pods/log', kind: 'Pod' },
        ],
      },
      '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment' }] },
    };
    let requests = 0;
    const client = {
      request: async ({ path }: { path: string }) => {
        requests++;
        return answers[path];
      },
    } as unknown as KubeClient;
    let now = 0;
    const caps = new ClusterCapabilities(client, () => now);
    expect(await caps.get()).toEqual({
      kubeVersion: 'v1.37.2',
      apiVersions: ['apps/v1', 'apps/v1/Deployment', 'v1', 'v1/Pod'],
    });
    await caps.get();
    expect(requests).toBe(5);
    now = 60_000;
    await caps.get();
    expect(requests).toBe(10);
  });
});
