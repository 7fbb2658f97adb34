// The Provider and Alert reconcilers on the shared fake cluster. The real thing is
// test/e2e/notifications.test.ts.

import { beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, quietContext, RecordedEvents } from '../../test/support/fake-cluster.ts';
import { type Alert, alertResource, type Provider, providerResource } from '../api/notification.ts';
import { StallingError, WaitingError } from '../runtime/reconcile-errors.ts';
import type { LaneSettings } from './alert-lane.ts';
import { AlertReconciler } from './alert-reconciler.ts';
import { ProviderReconciler } from './provider-reconciler.ts';

let cluster: FakeCluster;
let events: RecordedEvents;
let opened: Map<string, LaneSettings>;
const now = () => new Date('2026-12-06T06:00:00Z');

const dispatcher = {
  activate: (alert: Alert, settings: LaneSettings) => void opened.set(alert.metadata.name, settings),
  deactivate: (key: string) => void opened.delete(key.split('/')[1] as string),
};

function putProvider(spec: Partial<Provider['spec']> = {}): void {
  cluster.put(providerResource, {
    metadata: { name: 'hook', namespace: 'shop' },
    spec: { type: 'generic-hmac', address: 'https://hooks.example/x', secretRef: { name: 'hook' }, ...spec },
  });
}

function putAlert(spec: Partial<Alert['spec']> = {}): void {
  cluster.put(alertResource, {
    metadata: { name: 'aborts', namespace: 'shop' },
    spec: { providerRef: { name: 'hook' }, eventSources: [{ kind: 'Rollout', name: '*' }], ...spec },
  });
}

async function reconcileProvider(): Promise<Provider> {
  const r = new ProviderReconciler({ api: cluster.api(), events, now });
  await r.reconcile(cluster.find(providerResource, 'shop', 'hook') as Provider, quietContext());
  return cluster.find(providerResource, 'shop', 'hook') as Provider;
}

async function reconcileAlert(): Promise<Alert> {
  const r = new AlertReconciler({
    api: cluster.api(),
    providers: cluster.informer<Provider>(providerResource),
    dispatcher,
    events,
    now,
  });
  await r.reconcile(cluster.find(alertResource, 'shop', 'aborts') as Alert, quietContext());
  return cluster.find(alertResource, 'shop', 'aborts') as Alert;
}

const ready = (obj: Provider | Alert) => obj.status?.conditions?.find((c) => c.type === 'Ready');
const stalled = (obj: Provider | Alert) => obj.status?.conditions?.find((c) => c.type === 'Stalled');

beforeEach(() => {
  cluster = new FakeCluster();
  events = new RecordedEvents();
  opened = new Map();
});

describe('ProviderReconciler', () => {
  it('is Ready when its Secret has the token its type needs', async () => {
    cluster.secrets.set('hook', { token: 'k' });
    putProvider();
    expect(ready(await reconcileProvider())).toMatchObject({ status: 'True', message: 'Provider is valid' });
  });

  it('stalls naming the Secret that is missing, with one Warning, and looks again later', async () => {
    putProvider();
    const r = new ProviderReconciler({ api: cluster.api(), events, now });
    const failure = await r
      .reconcile(cluster.find(providerResource, 'shop', 'hook') as Provider, quietContext())
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StallingError);
    expect((failure as StallingError).retryAfterMs).toBeGreaterThan(0);
    const p = cluster.find(providerResource, 'shop', 'hook') as Provider;
    expect(stalled(p)).toMatchObject({ status: 'True', reason: 'SecretNotFound' });
    expect(ready(p)?.message).toBe("spec.secretRef.name: Secret 'hook' not found");
    await reconcileProvider().catch(() => undefined);
    expect(events.reasons).toEqual(['SecretNotFound']);
  });

  it('stalls naming the key the Secret lacks', async () => {
    cluster.secrets.set('hook', { address: 'https://hooks.example/y' });
    putProvider();
    const p = await reconcileProvider().catch(
      () => cluster.find(providerResource, 'shop', 'hook') as Provider,
    );
    expect(ready(p)?.message).toBe(
      "spec.secretRef: Secret 'hook' has no key token, which type generic-hmac needs",
    );
  });
});

describe('AlertReconciler', () => {
  it('opens its lane once valid and its Provider Ready', async () => {
    cluster.secrets.set('hook', { token: 'k' });
    putProvider();
    await reconcileProvider();
    putAlert({ summary: 'prod', inclusionList: ['aborted'] });
    const a = await reconcileAlert();
    expect(ready(a)).toMatchObject({ status: 'True', message: "sending to Provider 'hook'" });
    expect(opened.get('aborts')).toMatchObject({ providerKey: 'shop/hook', extras: { summary: 'prod' } });
  });

  it('stalls naming providerRef when the Provider does not exist, and closes its lane', async () => {
    opened.set('aborts', {} as LaneSettings);
    putAlert();
    const failure = await reconcileAlert().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StallingError);
    const a = cluster.find(alertResource, 'shop', 'aborts') as Alert;
    expect(ready(a)?.message).toBe("spec.providerRef.name: Provider 'hook' not found");
    expect(opened.has('aborts')).toBe(false);
  });

  it('waits while the Provider is not Ready', async () => {
    putProvider();
    await reconcileProvider().catch(() => undefined);
    putAlert();
    const failure = await reconcileAlert().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WaitingError);
    expect(ready(cluster.find(alertResource, 'shop', 'aborts') as Alert)?.reason).toBe('ProviderNotReady');
  });

  it('stalls naming the pattern that does not compile', async () => {
    cluster.secrets.set('hook', { token: 'k' });
    putProvider();
    await reconcileProvider();
    putAlert({ exclusionList: ['ok', '(a'] });
    await reconcileAlert().catch(() => undefined);
    const a = cluster.find(alertResource, 'shop', 'aborts') as Alert;
    expect(stalled(a)?.message).toMatch(/^spec\.exclusionList\[1\]: invalid regular expression "\(a"/);
    expect(opened.size).toBe(0);
  });

  it('closes its lane while suspended', async () => {
    opened.set('aborts', {} as LaneSettings);
    putAlert({ suspend: true });
    await reconcileAlert();
    expect(opened.size).toBe(0);
  });
});
