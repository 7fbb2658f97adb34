// Many Applications and Rollouts for the dashboard's scale test and benchmark: plain objects in
// a namespace no controller watches, so they stay as written and their status changes only
// when the test patches it.

import { type Application, applicationResource } from '../../controller/api/application.ts';
import type { Rollout } from '../../controller/api/rollout.ts';
import type { ObjectApi } from '../../controller/kube/objects.ts';
import type { ResourceType } from '../../controller/kube/resources.ts';
import { template } from './rollouts.ts';

/** `app-0001` … : zero-padded so the names sort as numbers. */
export const manyName = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;

export function manyApplication(ns: string, i: number): Application {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: manyName('app', i), namespace: ns },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      path: `apps/${i}`,
      interval: '1h',
      prune: true,
    },
  } as Application;
}

export function manyRollout(ns: string, i: number): Rollout {
  const name = manyName('ro', i);
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: template(name, 'example.invalid/web:1'),
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
    },
  } as Rollout;
}

/** Creates `count` objects, `parallel` requests at a time (the API server's own pace, not a flood). */
export async function createMany<T extends { metadata: { name: string } }>(
  api: ObjectApi,
  rt: ResourceType,
  count: number,
  make: (i: number) => T,
  parallel = 16,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await api.create(rt, make(i));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Writes an Application's sync and health, as the controller would, through the status subresource. */
export function setAppStatus(
  api: ObjectApi,
  ns: string,
  name: string,
  status: { syncStatus: string; health: string },
): Promise<unknown> {
  return api.mergePatch(applicationResource, ns, name, { status }, 'status');
}
