// What every health rule reads from a live object, typed loosely: the rules see any kind.

import type { HealthStatus } from '../../api/application.ts';

export interface ObjectHealth {
  status: HealthStatus;
  message: string;
}

export type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; kind?: string; name?: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

interface Cond {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export const num = (v: unknown, dflt = 0): number => (typeof v === 'number' ? v : dflt);

export function conditions(o: Obj): Cond[] {
  const c = o.status?.conditions;
  return Array.isArray(c) ? (c as Cond[]) : [];
}

export function condition(o: Obj, type: string): Cond | undefined {
  return conditions(o).find((c) => c.type === type);
}

export function observed(o: Obj): boolean {
  const gen = o.metadata?.generation;
  const seen = o.status?.observedGeneration;
  return gen === undefined || typeof seen !== 'number' || seen >= gen;
}

export const WAITING_FOR_CONTROLLER: ObjectHealth = {
  status: 'Progressing',
  message: 'waiting for the controller to observe the change',
};

export const healthy = (message: string): ObjectHealth => ({ status: 'Healthy', message });
export const progressing = (message: string): ObjectHealth => ({ status: 'Progressing', message });
export const degraded = (message: string): ObjectHealth => ({ status: 'Degraded', message });
