import type { AnalysisRun } from '../api/analysis.ts';
import { analysisRunResource } from '../api/analysis.ts';
import { type Application, applicationResource } from '../api/application.ts';
import { type Experiment, experimentResource } from '../api/experiment.ts';
import { type GitRepository, gitRepositoryResource } from '../api/git-repository.ts';
import { type Alert, alertResource, type Provider, providerResource } from '../api/notification.ts';
import { type Rollout, rolloutResource } from '../api/rollout.ts';
import type { Informer } from '../kube/informer.ts';
import { ObjectApi } from '../kube/objects.ts';
import { type KubeObject, objectKey } from '../kube/resources.ts';
import { createNotificationMetrics } from '../observability/notification-metrics.ts';
import type { Controller } from '../runtime/controller.ts';
import { type ControllerWiring, wireController } from '../runtime/wiring.ts';
import { AlertReconciler } from './alert-reconciler.ts';
import { Dispatcher } from './dispatcher.ts';
import type { ObjectLookup } from './event-source.ts';
import { ProviderReconciler } from './provider-reconciler.ts';

interface Notifications {
  providers: Controller<Provider>;
  alerts: Controller<Alert>;
  dispatcher: Dispatcher;
}

/** Looks objects up in the shared caches the other controllers keep anyway. */
function cacheLookup(wiring: ControllerWiring): ObjectLookup {
  const caches: Record<string, Informer<KubeObject>> = {
    Application: wiring.informers.for<Application>(applicationResource),
    GitRepository: wiring.informers.for<GitRepository>(gitRepositoryResource),
    Rollout: wiring.informers.for<Rollout>(rolloutResource),
    AnalysisRun: wiring.informers.for<AnalysisRun>(analysisRunResource),
    Experiment: wiring.informers.for<Experiment>(experimentResource),
  };
  return (kind, namespace, name) => caches[kind]?.get(`${namespace}/${name}`);
}

/**
 * The Provider and Alert controllers and the dispatcher the EventRecorder feeds. A Provider's
 * change wakes the Alerts that use it.
 */
export function notificationControllers(deps: ControllerWiring): Notifications {
  const api = new ObjectApi(deps.client);
  const providerInformer = deps.informers.for<Provider>(providerResource);
  const alertInformer = deps.informers.for<Alert>(alertResource);
  const dispatcher = new Dispatcher({
    api,
    log: deps.log,
    lookup: cacheLookup(deps),
    providers: providerInformer,
    metrics: createNotificationMetrics(deps.metrics.registry),
  });
  deps.events.onRecorded(dispatcher.listener);
  const providers = wireController(
    deps,
    providerInformer,
    new ProviderReconciler({ api, events: deps.events }),
  );
  const alerts = wireController(
    deps,
    alertInformer,
    new AlertReconciler({ api, providers: providerInformer, dispatcher, events: deps.events }),
  );
  const onProvider = (provider: Provider) => {
    for (const alert of alertInformer.list()) {
      if (
        alert.metadata.namespace === provider.metadata.namespace &&
        alert.spec.providerRef.name === provider.metadata.name
      ) {
        alerts.enqueue(objectKey(alert));
      }
    }
  };
  for (const event of ['add', 'update', 'delete'] as const) providerInformer.on(event, onProvider);
  return { providers, alerts, dispatcher };
}
