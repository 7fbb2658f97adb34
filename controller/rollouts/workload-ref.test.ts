import { describe, expect, it } from 'vitest';
import type { Rollout } from '../api/rollout.ts';
import { type Deployment, deploymentReplicas, withWorkload } from './workload-ref.ts';

describe('workloadRef', () => {
  it('takes template and selector from the Deployment', () => {
    const ro: Rollout = {
      metadata: { name: 'web' },
      spec: { workloadRef: { kind: 'Deployment', name: 'web' }, strategy: { canary: {} } },
    };
    const dep: Deployment = {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } },
    };
    const eff = withWorkload(ro, dep);
    expect(eff.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(eff.spec.template?.metadata?.labels).toEqual({ app: 'web' });
    expect(eff.spec.workloadRef?.name).toBe('web');
  });

  it('scales the Deployment down never, on success, or progressively', () => {
    const base = { rolloutReplicas: 4, rolloutAvailable: 1, healthy: false, current: 4 };
    expect(deploymentReplicas({ ...base, mode: undefined })).toBeUndefined();
    expect(deploymentReplicas({ ...base, mode: 'onsuccess' })).toBeUndefined();
    expect(deploymentReplicas({ ...base, mode: 'onsuccess', healthy: true })).toBe(0);
    expect(deploymentReplicas({ ...base, mode: 'progressively' })).toBe(3);
    expect(deploymentReplicas({ ...base, mode: 'progressively', current: 2 })).toBeUndefined();
  });
});
