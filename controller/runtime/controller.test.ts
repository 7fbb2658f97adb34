// The controller loop: every failure of every kind is counted, logged and requeued the same
// way, and status-only updates wake a reconcile only when the kind asks for them.

import { describe, expect, it, vi } from 'vitest';
import type { Informer } from '../kube/informer.ts';
import type { KubeObject } from '../kube/resources.ts';
import { createLogger } from '../observability/logger.ts';
import { ControllerMetrics } from '../observability/metrics.ts';
import { Controller, type ControllerOptions, type Reconciler, type ShardGate } from './controller.ts';
import { StallingError, TransientError, WaitingError } from './reconcile-errors.ts';
import type { ShardClaim } from './sharding/shard-term.ts';

type Handler = (obj: KubeObject, old?: KubeObject) => void;

/** An informer cache holding one object, whose update events the test fires. */
function oneObjectInformer(obj: KubeObject): {
  informer: Informer<KubeObject>;
  update(next: KubeObject): void;
} {
  const handlers: Handler[] = [];
  let current = obj;
  const informer = {
    get: () => current,
    list: () => [current],
    observe: () => undefined,
    on: (event: string, handler: Handler) => {
      if (event === 'update') handlers.push(handler);
    },
  } as unknown as Informer<KubeObject>;
  return {
    informer,
    update(next) {
      const old = current;
      current = next;
      for (const h of handlers) h(next, old);
    },
  };
}

const object = (resourceVersion: string, status: unknown = {}): KubeObject => ({
  metadata: { name: 'a', namespace: 'ns', generation: 1, resourceVersion },
  status,
});

function start(
  reconcile: Reconciler<KubeObject>['reconcile'],
  options: Partial<ControllerOptions<KubeObject>> = {},
): { controller: Controller<KubeObject>; metrics: ControllerMetrics; update(next: KubeObject): void } {
  const { informer, update } = oneObjectInformer(object('1'));
  const metrics = new ControllerMetrics();
  const controller = new Controller<KubeObject>({
    informer,
    reconciler: { kind: 'Thing', reconcile },
    log: createLogger('silent'),
    metrics,
    ...options,
  });
  controller.start();
  return { controller, metrics, update };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('Controller', () => {
  it('counts a stalled failure and looks again when it says', async () => {
    let calls = 0;
    const { controller, metrics } = start(async () => {
      calls++;
      throw new StallingError('AuthenticationFailed', 'denied', { retryAfterMs: 10 });
    });
    // Wait for the retry itself: a fixed pause is too short on a busy machine.
    await vi.waitFor(() => expect(calls).toBeGreaterThan(1), { timeout: 10_000, interval: 10 });
    await controller.shutdown();
    expect(await metrics.registry.metrics()).toMatch(
      /sluice_reconcile_errors_total\{kind="Thing",class="stalling"\} [1-9]/,
    );
  });

  it('counts a waiting failure by its class', async () => {
    const { controller, metrics } = start(async () => {
      throw new WaitingError('SourceNotReady', 'no artifact yet', 60_000);
    });
    await vi.waitFor(
      async () =>
        expect(await metrics.registry.metrics()).toContain(
          'sluice_reconcile_errors_total{kind="Thing",class="waiting"} 1',
        ),
      { timeout: 10_000, interval: 10 },
    );
    await controller.shutdown();
  });

  it('skips status-only updates unless the kind asks for them', async () => {
    for (const [reconcileOnStatusChange, expected] of [
      [false, 1],
      [true, 2],
    ] as const) {
      let calls = 0;
      const { controller, update } = start(
        async () => {
          calls++;
          return {};
        },
        { reconcileOnStatusChange },
      );
      await settle();
      update(object('2', { abort: true }));
      await settle();
      await controller.shutdown();
      expect(calls).toBe(expected);
    }
  });

  it('reconciles only what its shards hold, under their claim, and drops a failure once the shard is lost', async () => {
    let held = false;
    const ran: (ShardClaim | undefined)[] = [];
    let current: ShardClaim | undefined;
    const gate: ShardGate = {
      claim: () => (held ? { shard: 1, term: 3 } : undefined),
      run: async (claim, fn) => {
        current = claim;
        try {
          return await fn();
        } finally {
          current = undefined;
        }
      },
      holds: () => held,
    };
    let fail = false;
    const { informer } = oneObjectInformer(object('1'));
    const metrics = new ControllerMetrics();
    const controller = new Controller<KubeObject>({
      informer,
      reconciler: {
        kind: 'Thing',
        reconcile: async () => {
          ran.push(current);
          if (fail) {
            held = false; // the shard went while this reconcile ran
            throw new TransientError('ShardLost', 'write refused');
          }
          return {};
        },
      },
      log: createLogger('silent'),
      metrics,
    });
    controller.useShards(gate);
    controller.start();
    await settle();
    expect(ran).toEqual([]);

    held = true;
    controller.enqueueWhere(() => true);
    await vi.waitFor(() => expect(ran).toEqual([{ shard: 1, term: 3 }]), { timeout: 10_000, interval: 10 });

    fail = true;
    controller.enqueue('ns/a');
    await vi.waitFor(() => expect(ran).toHaveLength(2), { timeout: 10_000, interval: 10 });
    await controller.shutdown();
    // Left to the new holder: neither counted as this replica's failure nor retried here.
    expect(await metrics.registry.metrics()).not.toContain('sluice_reconcile_errors_total{kind="Thing"');
  });
});
