import { describe, expect, it } from 'vitest';
import { withoutBookkeeping } from './cache-transform.ts';
import type { KubeObject } from './resources.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const deployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'ns',
    resourceVersion: '7',
    labels: { app: 'web' },
    annotations: { [LAST_APPLIED]: '{"kind":"Deployment"}', 'deployment.kubernetes.io/revision': '3' },
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} }],
  } as KubeObject['metadata'],
  spec: { replicas: 2 },
});

describe('withoutBookkeeping', () => {
  it('drops managedFields and the last-applied annotation, keeping everything else', () => {
    const given = deployment();
    const { managedFields: _, ...kept } = given.metadata as KubeObject['metadata'] & {
      managedFields?: unknown;
    };
    expect(withoutBookkeeping(given)).toEqual({
      ...given,
      metadata: { ...kept, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    });
  });

  it('leaves the object it was given as it was', () => {
    const given = deployment();
    const kept = structuredClone(given);
    withoutBookkeeping(given);
    expect(given).toEqual(kept);
  });

  it('returns an object with nothing to drop as it is', () => {
    const plain: KubeObject = { kind: 'ConfigMap', metadata: { name: 'c', annotations: { a: 'b' } } };
    expect(withoutBookkeeping(plain)).toBe(plain);
  });
});
