// The skeleton on its own, with a made-up kind whose steps the tests script: what is written,
// what is thrown and what is reported, whatever the steps do.

import { beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, quietContext } from '../../test/support/fake-cluster.ts';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../api/meta.ts';
import type { KubeObject, ResourceType } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from './reconcile.ts';
import { type ReconcileError, TransientError } from './reconcile-errors.ts';

interface WidgetStatus {
  step?: string;
  failed?: string;
  lastHandledReconcileAt?: string;
}
type Widget = KubeObject & { spec: { suspend?: boolean }; status?: WidgetStatus };
type WidgetPass = ReconcilePass<Widget, WidgetStatus>;

const widgets: ResourceType = {
  group: 'test.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};

class WidgetReconciler extends SkeletonReconciler<Widget, WidgetStatus, WidgetPass> {
  readonly kind = 'Widget';
  /** What the step does: finish, or throw this. */
  outcome: Error | undefined;
  readonly reported: (string | undefined)[] = [];

  /** What finalize does: finish (true), ask to be looked at again (false), or throw this. */
  cleanUp: boolean | Error = true;

  constructor(cluster: FakeCluster, guardResourceVersion = false, finalizer?: string) {
    super({
      api: cluster.api(),
      resource: widgets,
      guardResourceVersion,
      recordReconcileRequests: true,
      failureReason: 'WidgetFailed',
      ...(finalizer ? { finalizer } : {}),
    });
  }

  protected override async finalize(pass: WidgetPass): Promise<boolean> {
    if (this.cleanUp instanceof Error) throw this.cleanUp;
    pass.status.step = this.cleanUp ? 'cleaned' : 'cleaning';
    if (!this.cleanUp) pass.requeue(2_000);
    return this.cleanUp;
  }

  protected steps(): readonly Step<WidgetPass>[] {
    return [
      (pass) => {
        if (this.outcome) throw this.outcome;
        pass.status.step = 'done';
        pass.requeue(60_000);
        pass.requeue(30_000);
      },
    ];
  }

  protected begin(obj: Widget, log: Logger, now: Date): WidgetPass {
    return new ReconcilePass(obj, log, now);
  }

  protected override suspended(obj: Widget): boolean {
    return obj.spec.suspend === true;
  }

  protected failed(pass: WidgetPass, failure: ReconcileError): ReconcileError {
    pass.status.failed = `${failure.reason}: ${failure.message}`;
    return failure;
  }

  protected override saved(_pass: WidgetPass, failure: ReconcileError | undefined): void {
    this.reported.push(failure?.reason);
  }
}

let cluster: FakeCluster;

function put(extra: Partial<Widget> = {}): Widget {
  return cluster.put(widgets, {
    metadata: { name: 'w', namespace: 'ns' },
    spec: {},
    ...extra,
  } as Widget);
}

const stored = () => cluster.find<Widget>(widgets, 'ns', 'w')?.status;

beforeEach(() => {
  cluster = new FakeCluster();
});

describe('SkeletonReconciler', () => {
  it('runs the steps, writes status once, and returns the shortest requeue asked for', async () => {
    const reconciler = new WidgetReconciler(cluster);
    expect(await reconciler.reconcile(put(), quietContext())).toEqual({ requeueAfterMs: 30_000 });
    expect(stored()).toEqual({ step: 'done' });
    expect(reconciler.reported).toEqual([undefined]);
    // Nothing changed: no second write.
    const writes = cluster.writes.length;
    await reconciler.reconcile(cluster.find<Widget>(widgets, 'ns', 'w') as Widget, quietContext());
    expect(cluster.writes).toHaveLength(writes);
  });

  it('classifies a failure, writes what the kind made of it, and throws it for the controller loop', async () => {
    const reconciler = new WidgetReconciler(cluster);
    reconciler.outcome = new Error('connection reset');
    await expect(reconciler.reconcile(put(), quietContext())).rejects.toBeInstanceOf(TransientError);
    expect(stored()).toEqual({ failed: 'WidgetFailed: connection reset' });
    expect(reconciler.reported).toEqual(['WidgetFailed']);
  });

  it('when suspended, only records the reconcile-now request', async () => {
    const reconciler = new WidgetReconciler(cluster);
    const widget = put({
      metadata: { name: 'w', namespace: 'ns', annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: 'now-1' } },
      spec: { suspend: true },
    });
    expect(await reconciler.reconcile(widget, quietContext())).toEqual({});
    expect(stored()).toEqual({ lastHandledReconcileAt: 'now-1' });
  });

  it("records Flux's reconcile request as its own", async () => {
    const reconciler = new WidgetReconciler(cluster);
    const widget = put({
      metadata: { name: 'w', namespace: 'ns', annotations: { 'reconcile.fluxcd.io/requestedAt': 'flux-1' } },
      spec: { suspend: true },
    });
    expect(await reconciler.reconcile(widget, quietContext())).toEqual({});
    expect(stored()).toEqual({ lastHandledReconcileAt: 'flux-1' });
  });

  it('leaves an object being deleted alone', async () => {
    const reconciler = new WidgetReconciler(cluster);
    const widget = put({
      metadata: { name: 'w', namespace: 'ns', deletionTimestamp: '2025-01-02T03:04:05Z' },
    });
    expect(await reconciler.reconcile(widget, quietContext())).toEqual({});
    expect(cluster.writes).toEqual([]);
  });

  it('with the resourceVersion guard, a write over status it did not read fails and reports nothing', async () => {
    const reconciler = new WidgetReconciler(cluster, true);
    const stale = put();
    await cluster.api().mergePatch(widgets, 'ns', 'w', { status: { step: 'theirs' } }, 'status');
    await expect(reconciler.reconcile(stale, quietContext())).rejects.toMatchObject({ code: 409 });
    expect(stored()).toEqual({ step: 'theirs' });
    expect(reconciler.reported).toEqual([]);
  });

  it('drops the write when the object is already gone', async () => {
    const reconciler = new WidgetReconciler(cluster);
    const widget = put();
    await cluster.api().delete(widgets, 'ns', 'w');
    expect(await reconciler.reconcile(widget, quietContext())).toEqual({ requeueAfterMs: 30_000 });
  });

  describe('with a finalizer', () => {
    const FIN = 'test.dev/finalizer';
    const current = () => cluster.find<Widget>(widgets, 'ns', 'w');
    const deleting = () => {
      const live = cluster.stored<Widget>(widgets, 'ns', 'w') as Widget;
      live.metadata.deletionTimestamp = '2025-01-02T03:04:05Z';
      return current() as Widget;
    };

    it('adds it before the steps run, and keeps the finalizers others hold', async () => {
      const reconciler = new WidgetReconciler(cluster, false, FIN);
      await reconciler.reconcile(
        put({ metadata: { name: 'w', namespace: 'ns', finalizers: ['other/x'] } }),
        quietContext(),
      );
      expect(current()?.metadata.finalizers).toEqual(['other/x', FIN]);
      expect(stored()).toEqual({ step: 'done' });
    });

    it('on deletion, writes status once per pass and removes it only when finalize is done', async () => {
      const reconciler = new WidgetReconciler(cluster, false, FIN);
      await reconciler.reconcile(put(), quietContext());
      reconciler.cleanUp = false;
      expect(await reconciler.reconcile(deleting(), quietContext())).toEqual({ requeueAfterMs: 2_000 });
      expect(current()?.metadata.finalizers).toEqual([FIN]);
      expect(stored()).toEqual({ step: 'cleaning' });
      reconciler.cleanUp = true;
      expect(await reconciler.reconcile(current() as Widget, quietContext())).toEqual({});
      expect(current()).toBeUndefined();
    });

    it('a failed clean-up is classified, written and thrown, and the finalizer stays', async () => {
      const reconciler = new WidgetReconciler(cluster, false, FIN);
      await reconciler.reconcile(put(), quietContext());
      reconciler.cleanUp = new Error('connection reset');
      await expect(reconciler.reconcile(deleting(), quietContext())).rejects.toBeInstanceOf(TransientError);
      expect(stored()).toMatchObject({ failed: 'WidgetFailed: connection reset' });
      expect(current()?.metadata.finalizers).toEqual([FIN]);
    });
  });
});
