// Shared by routers that keep weights inside a list of backends of someone else's object
// (HTTPRoute backendRefs, VirtualService route destinations): compute the JSON patch that sets
// the canary and stable weights, each change guarded by a `test` of the backend it targets so
// a concurrent edit to the list fails the patch instead of moving the wrong weight.

import type { ObjectApi } from '../../kube/objects.ts';
import type { ResourceType } from '../../kube/resources.ts';
import { RouterWithoutRouteSteps } from './managed-routes.ts';
import type { TrafficRouter } from './router.ts';

export interface BackendSlot {
  /** JSON pointer of the backend entry, e.g. /spec/rules/0/backendRefs/1. */
  pointer: string;
  /** Pointer and value that identify the entry (tested before writing). */
  testPath: string;
  testValue: unknown;
  role: 'canary' | 'stable';
  weight: number | undefined;
}

export type JsonPatchOp =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** The weight a slot should carry: the canary's, or what is left of the total for the stable. */
const wanted = (s: BackendSlot, canaryWeight: number, total: number) =>
  s.role === 'canary' ? canaryWeight : total - canaryWeight;

/** `total` is trafficRouting.maxTrafficWeight (100 unless set). */
export function weightPatch(
  slots: readonly BackendSlot[],
  canaryWeight: number,
  total: number,
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const s of slots) {
    const want = wanted(s, canaryWeight, total);
    if (s.weight === want) continue;
    ops.push({ op: 'test', path: s.testPath, value: s.testValue });
    ops.push({ op: 'add', path: `${s.pointer}/weight`, value: want });
  }
  return ops;
}

export function weightsInEffect(slots: readonly BackendSlot[], canaryWeight: number, total: number): boolean {
  return slots.every((s) => s.weight === wanted(s, canaryWeight, total));
}

/** One object of the user's whose backends carry the weights, as read just now. */
export interface WeightedObject {
  rt: ResourceType;
  namespace: string;
  name: string;
  slots: BackendSlot[];
}

/**
 * A router whose whole job is such backends (Traefik, APISIX): patch the weights that differ,
 * read them back to verify, and send everything to stable on removal.
 */
export class BackendWeightsRouter extends RouterWithoutRouteSteps implements TrafficRouter {
  readonly type: string;
  private readonly api: ObjectApi;
  private readonly read: () => Promise<WeightedObject[]>;
  private readonly total: number;

  constructor(type: string, api: ObjectApi, total: number, read: () => Promise<WeightedObject[]>) {
    super();
    this.type = type;
    this.api = api;
    this.total = total;
    this.read = read;
  }

  async setWeight(weight: number): Promise<void> {
    for (const o of await this.read()) {
      const ops = weightPatch(o.slots, weight, this.total);
      if (ops.length > 0) await this.api.jsonPatch(o.rt, o.namespace, o.name, ops);
    }
  }

  async verifyWeight(weight: number): Promise<boolean> {
    return (await this.read()).every((o) => weightsInEffect(o.slots, weight, this.total));
  }

  removeManagedRoutes(): Promise<void> {
    return this.setWeight(0);
  }
}
