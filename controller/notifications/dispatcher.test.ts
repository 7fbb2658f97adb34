// The dispatcher on the shared fake cluster: replay of the Events the saved record lacks, live
// events from the recorder, de-duplication. A scripted receiver stands in for the network.

import { beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../../test/support/fake-cluster.ts';
import { type Alert, alertResource, type Provider, providerResource } from '../api/notification.ts';
import { core } from '../kube/resources.ts';
import { createLogger } from '../observability/logger.ts';
import { type KubeEvent, REPORTING_CONTROLLER } from '../runtime/events.ts';
import { Dispatcher } from './dispatcher.ts';
import { compileAlert } from './match.ts';
import type { OutgoingRequest } from './payload.ts';

let cluster: FakeCluster;
let sent: OutgoingRequest[];
let dispatcher: Dispatcher;
let onSent: () => void;

const rollout = {
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', uid: 'r-1' },
};

function event(name: string, at: string, note: string, type: 'Normal' | 'Warning' = 'Warning'): KubeEvent {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace: 'shop' },
    eventTime: `2026-12-06T06:00:${at}.000000Z`,
    type,
    reason: 'RolloutAborted',
    action: 'RolloutAborted',
    note,
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: 'sluice-0',
    regarding: {
      apiVersion: rollout.apiVersion,
      kind: 'Rollout',
      name: 'web',
      namespace: 'shop',
      uid: 'r-1',
    },
  };
}

function activate(): Alert {
  const alert = cluster.find<Alert>(alertResource, 'shop', 'aborts') as Alert;
  dispatcher.activate(alert, { filter: compileAlert(alert), extras: {}, providerKey: 'shop/hook' });
  return alert;
}

const sentNotes = () => sent.map((r) => JSON.parse(r.body).message as string);
const waitSent = (n: number) =>
  new Promise<void>((resolve) => {
    onSent = () => sent.length >= n && setImmediate(resolve);
    onSent();
  });
const record = () => cluster.find<Alert>(alertResource, 'shop', 'aborts')?.status;

beforeEach(() => {
  cluster = new FakeCluster();
  sent = [];
  onSent = () => {};
  cluster.put<Provider>(providerResource, {
    metadata: { name: 'hook', namespace: 'shop' },
    spec: { type: 'generic', address: 'http://127.0.0.1:1/hook' },
  });
  cluster.put<Alert>(alertResource, {
    metadata: { name: 'aborts', namespace: 'shop', creationTimestamp: '2026-12-06T05:00:00Z' },
    spec: {
      providerRef: { name: 'hook' },
      eventSources: [{ kind: 'Rollout', name: '*' }],
      eventSeverity: 'error',
    },
    status: {
      delivered: [
        { eventTime: '2026-12-06T06:00:01.000000Z', eventName: 'web.a' },
        { eventTime: '2026-12-06T06:00:01.000000Z', eventName: 'web.b' },
      ],
    },
  });
  dispatcher = new Dispatcher({
    api: cluster.api(),
    log: createLogger('silent'),
    lookup: () => undefined,
    providers: cluster.informer<Provider>(providerResource),
    send: async (request) => {
      sent.push(request);
      onSent();
      return { ok: true, status: 200 };
    },
  });
});

describe('Dispatcher', () => {
  it('replays the Events its record lacks, in order, and records them', async () => {
    cluster.put(core.events, event('web.c', '03', 'third'));
    cluster.put(core.events, event('web.a', '01', 'first (sent before the restart)'));
    cluster.put(core.events, event('web.b', '01', 'second (sent before the restart)'));
    cluster.put(core.events, event('web.d', '02', 'an info event', 'Normal'));
    cluster.put(core.events, {
      ...event('other.e', '02', 'another controller'),
      reportingController: 'kubelet',
    });
    cluster.put(core.events, event('web.f', '02', 'between'));
    // Of the same millisecond as a delivered one, offered after it before the restart.
    cluster.put(core.events, event('web.0', '01', 'same millisecond, not delivered'));
    activate();
    await waitSent(3);
    expect(sentNotes()).toEqual(['same millisecond, not delivered', 'between', 'third']);
    await new Promise((r) => setImmediate(r));
    expect(record()?.lastDelivered).toEqual({ eventTime: '2026-12-06T06:00:03.000000Z', eventName: 'web.c' });
    expect(record()?.delivered?.map((d) => d.eventName)).toEqual([
      'web.0',
      'web.a',
      'web.b',
      'web.f',
      'web.c',
    ]);
    dispatcher.stop();
  });

  it('sends what the recorder hands it once, and a repeat of object, reason and message not again', async () => {
    activate();
    const live = event('web.g', '05', 'aborted: error-rate 0.5');
    dispatcher.listener(live, rollout);
    dispatcher.listener(live, rollout);
    dispatcher.listener(event('web.h', '06', 'aborted: error-rate 0.5'), rollout);
    dispatcher.listener(event('web.i', '07', 'aborted again: error-rate 0.7'), rollout);
    await waitSent(2);
    expect(sentNotes()).toEqual(['aborted: error-rate 0.5', 'aborted again: error-rate 0.7']);
    dispatcher.stop();
  });
});
