import { describe, expect, it } from 'vitest';
import type { DesiredObject } from '../manifest.ts';
import { objectOptions } from '../object-options.ts';
import type { HookPhase } from './hook-annotations.ts';
import { hookKey, syncSteps } from './sync-steps.ts';

function obj(kind: string, name: string, extra: Partial<DesiredObject> = {}): DesiredObject {
  return {
    id: `ns_${name}__${kind}`,
    apiVersion: 'v1',
    kind,
    name,
    namespace: 'ns',
    namespaced: true,
    wave: 0,
    options: objectOptions(undefined),
    source: `${name}.yaml`,
    object: { apiVersion: 'v1', kind, metadata: { name } },
    ...extra,
  };
}

const hook = (kind: string, name: string, phases: HookPhase[], wave = 0) =>
  obj(kind, name, { wave, hook: { phases, deletePolicies: ['BeforeHookCreation'] } });

const names = (steps: ReturnType<typeof syncSteps>) =>
  steps.map((s) => `${s.phase}/${s.wave}: ${[...s.hooks, ...s.objects].map((o) => o.name).join(' ')}`);

describe('syncSteps', () => {
  it('is one step for ordinary objects in one wave', () => {
    expect(names(syncSteps([obj('ConfigMap', 'a'), obj('Deployment', 'b')]))).toEqual(['Sync/0: a b']);
  });

  it('orders by phase, then wave, then kind, then name', () => {
    const steps = syncSteps([
      hook('Job', 'post', ['PostSync']),
      obj('Deployment', 'web', { wave: 1 }),
      obj('Service', 'web', { wave: 1 }),
      obj('ConfigMap', 'z'),
      obj('ConfigMap', 'a'),
      hook('Job', 'migrate-2', ['PreSync'], 2),
      hook('Job', 'migrate-1', ['PreSync'], -1),
      hook('Pod', 'smoke', ['Sync'], 1),
    ]);
    expect(names(steps)).toEqual([
      'PreSync/-1: migrate-1',
      'PreSync/2: migrate-2',
      'Sync/0: a z',
      'Sync/1: smoke web web',
      'PostSync/0: post',
    ]);
    expect(steps[3]?.objects.map((o) => o.kind)).toEqual(['Service', 'Deployment']);
  });

  it('leaves out skipped objects, and SyncFail hooks unless failing', () => {
    const objects = [
      obj('ConfigMap', 'a'),
      obj('ConfigMap', 'skipped', { skip: true }),
      hook('Job', 'cleanup', ['SyncFail']),
      hook('Job', 'notify', ['PostSync', 'SyncFail'], 1),
    ];
    expect(names(syncSteps(objects))).toEqual(['Sync/0: a', 'PostSync/1: notify']);
    expect(names(syncSteps(objects, true))).toEqual(['SyncFail/0: cleanup', 'SyncFail/1: notify']);
  });

  it('names a hook by phase and manifest', () => {
    expect(hookKey('PreSync', hook('Job', 'migrate-', ['PreSync']))).toBe('PreSync/ns_migrate-__Job');
  });
});
