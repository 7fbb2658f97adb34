import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/resources.ts';
import type { DesiredObject } from './manifest.ts';
import { objectOptions } from './object-options.ts';
import { keepRolloutHash } from './rollout-selector.ts';

const HASH = 'rollouts-pod-template-hash';

function desired(kind: string, selector: Record<string, string> | undefined): DesiredObject {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind,
    metadata: { name: 'web', namespace: 'ns' },
    ...(selector ? { spec: { selector } } : {}),
  };
  return {
    id: `ns_web__${kind}`,
    apiVersion: 'v1',
    kind,
    name: 'web',
    namespace: 'ns',
    namespaced: true,
    wave: 0,
    options: objectOptions(undefined),
    source: 'svc.yaml',
    object,
  };
}

const live = (selector: Record<string, string>) => () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns' },
  spec: { selector },
});

describe('keepRolloutHash', () => {
  it("keeps the hash a Rollout added to a live Service's selector", () => {
    const sent = keepRolloutHash(desired('Service', { app: 'web' }), live({ app: 'web', [HASH]: 'abc' }));
    expect(sent.spec).toEqual({ selector: { app: 'web', [HASH]: 'abc' } });
  });

  it('sends the manifest as written otherwise', () => {
    const plain = desired('Service', { app: 'web' });
    expect(keepRolloutHash(plain, () => undefined)).toBe(plain.object);
    expect(keepRolloutHash(plain, live({ app: 'web' }))).toBe(plain.object);
    const pinned = desired('Service', { app: 'web', [HASH]: 'git' });
    expect(keepRolloutHash(pinned, live({ app: 'web', [HASH]: 'abc' }))).toBe(pinned.object);
    const noSelector = desired('Service', undefined);
    expect(keepRolloutHash(noSelector, live({ [HASH]: 'abc' }))).toBe(noSelector.object);
    const other = desired('ConfigMap', { app: 'web' });
    const lookups: string[] = [];
    const lookup = (o: DesiredObject) => {
      lookups.push(o.id);
      return undefined;
    };
    expect(keepRolloutHash(other, lookup)).toBe(other.object);
    expect(lookups).toEqual([]);
  });
});
