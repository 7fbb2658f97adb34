// Events for the notification tests: an abort of Rollout `web` in namespace `shop` unless told otherwise.

import type { NotificationEvent } from './event.ts';

export function testEvent(over: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    name: 'web.0001',
    eventTime: '2026-12-06T06:00:00.000000Z',
    involvedObject: {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Rollout',
      name: 'web',
      namespace: 'shop',
      uid: 'u-1',
    },
    labels: { team: 'a' },
    severity: 'error',
    reason: 'RolloutAborted',
    message:
      'Rollout aborted: step 2 analysis web-5d9f-2 Failed: metric "error-rate" failed with value [0.3]',
    reportingController: 'sluice.dev/controller',
    reportingInstance: 'sluice-0',
    ...over,
  };
}
