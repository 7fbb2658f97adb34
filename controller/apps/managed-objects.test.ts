import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../kube/client.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import { createLogger } from '../observability/logger.ts';
import { ControllerMetrics } from '../observability/metrics.ts';
import { InformerFactory } from '../runtime/informers.ts';
import { ManagedObjects } from './managed-objects.ts';
import { APP_NAME_LABEL, APP_NAMESPACE_LABEL } from './manifest.ts';

// The caches are filled by observe(), as watch events would; the client is never used.
const factory = (namespace?: string) =>
  new InformerFactory({} as KubeClient, createLogger('silent'), new ControllerMetrics(), namespace);

const service = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: 'apps',
    resourceVersion: '1',
    labels: { [APP_NAME_LABEL]: 'web', [APP_NAMESPACE_LABEL]: 'apps' },
  },
});

describe('ManagedObjects', () => {
  it('reads a kind another controller caches whole from that cache, holding each object once', () => {
    const informers = factory();
    const whole = informers.for<KubeObject>(core.services);
    const managed = new ManagedObjects(informers, () => {});
    managed.observe(core.services, service('web'));
    expect(whole.get('apps/web')?.metadata.name).toBe('web');
    expect(managed.get(core.services, 'apps', 'web').object).toBe(whole.get('apps/web'));
  });

  it('watches by its label when the whole kind is cached in one namespace only', () => {
    const informers = factory('apps');
    const whole = informers.for<KubeObject>(core.services);
    const managed = new ManagedObjects(informers, () => {});
    managed.observe(core.services, service('web'));
    expect(whole.get('apps/web')).toBeUndefined();
    expect(managed.get(core.services, 'apps', 'web').object?.metadata.name).toBe('web');
  });

  it('wakes the Application an object belongs to, and no other for objects it does not manage', () => {
    const informers = factory();
    const whole = informers.for<KubeObject>(core.services);
    const woken: string[] = [];
    const managed = new ManagedObjects(informers, (key) => woken.push(key));
    managed.watch(core.services);
    whole.observe({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'other', namespace: 'apps', resourceVersion: '1' },
    });
    whole.observe(service('web'));
    expect(woken).toEqual(['apps/web']);
  });
});

describe('the names of a whole kind (ExistingNames reads them)', () => {
  it('keep only what says an object is there, cluster-wide under --watch-namespace too', () => {
    const informers = factory('apps');
    const names = informers.names(core.services);
    names.observe({ ...service('web'), spec: { selector: { app: 'web' } } } as KubeObject);
    expect(names.get('apps/web')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'apps', resourceVersion: '1' },
    });
    expect(informers.names(core.services)).toBe(names);
    // A label-selected cache of the same kind is a different one: it cannot say what is absent.
    expect(new ManagedObjects(informers, () => {}).watch(core.services)).not.toBe(names);
  });

  it('come from the kind’s whole cluster-wide cache when one is held anyway', () => {
    const informers = factory();
    const whole = informers.for<KubeObject>(core.services);
    expect(informers.names(core.services)).toBe(whole);
  });
});
