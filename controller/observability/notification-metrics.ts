import { Counter, Histogram, type Registry } from 'prom-client';

export interface NotificationMetrics {
  /** result: sent, retried (an attempt failed and another follows) or failed (given up). */
  notifications: Counter<'type' | 'result'>;
  /** From the Event being written to the receiver accepting it, retries and replays included. */
  latency: Histogram<'type'>;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  return {
    notifications: new Counter({
      name: 'sluice_notifications_total',
      help: 'Notification attempts by Provider type and result (sent, retried, failed).',
      labelNames: ['type', 'result'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'sluice_notification_latency_seconds',
      help: 'Time from an Event being recorded to its notification being accepted, by Provider type.',
      labelNames: ['type'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
