import { describe, expect, it } from 'vitest';
import { removePaths } from './field-paths.ts';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web', 'sluice.dev/app-name': 'a' } },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
      },
    },
  },
  finalizers: ['x', 'y'],
};

describe('removePaths', () => {
  it('removes fields, map keys with dots, list items by key and set items', () => {
    const out = removePaths(deployment, [
      '.spec.replicas',
      '.metadata.labels.sluice.dev/app-name',
      '.spec.template.spec.containers[name="web"].image',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
      '.finalizers[="x"]',
    ]);
    expect(out).toEqual({
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { template: { spec: { containers: [{ name: 'web', ports: [] }] } } },
      finalizers: ['y'],
    });
    expect(deployment.spec.replicas).toBe(3);
  });

  it('gives up on a path the object does not have', () => {
    expect(removePaths(deployment, ['.spec.paused'])).toBeUndefined();
    expect(removePaths(deployment, ['.spec.template.spec.containers[name="db"].image'])).toBeUndefined();
    expect(removePaths(deployment, ['spec'])).toBeUndefined();
  });
});
