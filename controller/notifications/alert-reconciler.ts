import type { Alert, AlertStatus, Provider } from '../api/notification.ts';
import { alertResource } from '../api/notification.ts';
import type { Informer } from '../kube/informer.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { objectKey } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { findCondition, isTrue, markReady, READY } from '../runtime/conditions.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import { type ReconcileError, StallingError, WaitingError } from '../runtime/reconcile-errors.ts';
import { recordConfigFailure } from './config-failure.ts';
import type { Dispatcher } from './dispatcher.ts';
import { type AlertFilter, AlertSpecError, compileAlert } from './match.ts';

/** How often an Alert whose Provider is not Ready yet looks again (the Provider's changes wake it sooner). */
const PROVIDER_WAIT_MS = 30_000;

export interface AlertReconcilerDeps {
  api: ObjectApi;
  providers: Informer<Provider>;
  dispatcher: Pick<Dispatcher, 'activate' | 'deactivate'>;
  events: Pick<EventRecorder, 'record'>;
  now?: () => Date;
}

class AlertPass extends ReconcilePass<Alert, AlertStatus> {
  filter: AlertFilter | undefined;
}

/**
 * Alert: Ready when its filters compile and its Provider exists and is Ready; then its lane
 * in the dispatcher is open. Anything else closes the lane, so nothing is sent for it.
 */
export class AlertReconciler extends SkeletonReconciler<Alert, AlertStatus, AlertPass> {
  readonly kind = 'Alert';
  private readonly deps: AlertReconcilerDeps;

  constructor(deps: AlertReconcilerDeps) {
    super({
      api: deps.api,
      resource: alertResource,
      recordReconcileRequests: true,
      failureReason: 'ValidationFailed',
      now: deps.now,
    });
    this.deps = deps;
  }

  protected steps(): readonly Step<AlertPass>[] {
    return [
      (pass) => this.compileFilters(pass),
      (pass) => this.checkProvider(pass),
      (pass) => this.open(pass),
    ];
  }

  protected begin(alert: Alert, log: Logger, now: Date): AlertPass {
    return new AlertPass(alert, log, now);
  }

  protected override suspended(alert: Alert): boolean {
    if (alert.spec.suspend !== true) return false;
    this.deps.dispatcher.deactivate(objectKey(alert));
    return true;
  }

  forget(key: string): void {
    this.deps.dispatcher.deactivate(key);
  }

  private compileFilters(pass: AlertPass): void {
    try {
      pass.filter = compileAlert(pass.object);
    } catch (err) {
      if (!(err instanceof AlertSpecError)) throw err;
      throw new StallingError('ValidationFailed', err.message, { cause: err });
    }
  }

  private checkProvider(pass: AlertPass): void {
    const alert = pass.object;
    const name = alert.spec.providerRef.name;
    const provider = this.deps.providers.get(`${alert.metadata.namespace}/${name}`);
    if (!provider) {
      throw new StallingError('ProviderNotFound', `spec.providerRef.name: Provider '${name}' not found`);
    }
    if (!isTrue(provider.status?.conditions, READY)) {
      const why = findCondition(provider.status?.conditions, READY)?.message ?? 'not reconciled yet';
      throw new WaitingError(
        'ProviderNotReady',
        `spec.providerRef.name: Provider '${name}' is not Ready: ${why}`,
        PROVIDER_WAIT_MS,
      );
    }
  }

  private open(pass: AlertPass): void {
    const alert = pass.object;
    this.deps.dispatcher.activate(alert, {
      filter: pass.filter as AlertFilter,
      extras: { summary: alert.spec.summary, eventMetadata: alert.spec.eventMetadata },
      providerKey: `${alert.metadata.namespace}/${alert.spec.providerRef.name}`,
    });
    const generation = alert.metadata.generation;
    pass.status.conditions = markReady(
      pass.status.conditions,
      generation,
      'Succeeded',
      `sending to Provider '${alert.spec.providerRef.name}'`,
      pass.now,
    );
    pass.status.observedGeneration = generation;
  }

  protected failed(pass: AlertPass, failure: ReconcileError): ReconcileError {
    this.deps.dispatcher.deactivate(objectKey(pass.object));
    return recordConfigFailure(pass, failure, this.deps.events);
  }
}
