import { type HelmRepository, helmRepositoryResource } from '../../api/helm-repository.ts';
import { ObjectApi } from '../../kube/objects.ts';
import type { Controller } from '../../runtime/controller.ts';
import { type ControllerWiring, wireController } from '../../runtime/wiring.ts';
import type { HelmCharts } from './helm-charts.ts';
import { HelmRepositoryReconciler } from './helm-repository-reconciler.ts';

/** The HelmRepository controller. Only its own objects wake it. */
export function helmRepositoryController(
  deps: ControllerWiring & { charts: HelmCharts },
): Controller<HelmRepository> {
  const reconciler = new HelmRepositoryReconciler({
    api: new ObjectApi(deps.client),
    charts: deps.charts,
    events: deps.events,
  });
  return wireController(deps, deps.informers.for<HelmRepository>(helmRepositoryResource), reconciler);
}
