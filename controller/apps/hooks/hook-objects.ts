// Creating, judging and deleting hook objects: the I/O half of hooks, with what a finished
// hook means kept pure (`hookOutcome`).

import type { HookState, HookStatus, SyncOperation } from '../../api/application.ts';
import { KubeApiError } from '../../kube/api-errors.ts';
import type { KubeObject, ResourceType } from '../../kube/resources.ts';
import { deleteAndWait } from '../delete-and-wait.ts';
import { condition } from '../health/object.ts';
import { assessHealth } from '../health.ts';
import type { DesiredObject } from '../manifest.ts';
import { describeObject, SyncError, type Syncer } from '../sync.ts';
import type { HookPhase } from './hook-annotations.ts';
import { hookKey } from './sync-steps.ts';

/** Records of hooks kept from earlier syncs, for BeforeHookCreation. */
const STALE_LIMIT = 50;

/**
 * What a live hook object says: a Pod by its phase (Running is not done), anything else by
 * its health (a Job by its Complete and Failed conditions); gone before it finished fails.
 */
export function hookOutcome(
  kind: string,
  live: { kind?: string; status?: Record<string, unknown> } | undefined,
): { state: HookState; message: string } {
  if (!live) return { state: 'Failed', message: 'deleted before it completed' };
  if (kind === 'Pod') {
    const phase = live.status?.phase;
    if (phase === 'Succeeded') return { state: 'Succeeded', message: 'completed' };
    if (phase === 'Failed') return { state: 'Failed', message: String(live.status?.message ?? 'pod failed') };
    return { state: 'Running', message: `phase ${String(phase ?? 'Pending')}` };
  }
  const h = assessHealth(live);
  if (kind === 'Job' && h.status !== 'Degraded') {
    // Only a completed Job has run: a suspended one is healthy as a workload, not done as a hook.
    const complete = condition(live, 'Complete')?.status === 'True';
    return complete ? { state: 'Succeeded', message: h.message } : { state: 'Running', message: h.message };
  }
  if (h.status === 'Healthy') return { state: 'Succeeded', message: h.message };
  // The caller says "<hook> failed: …"; the Job's own "job failed: " would say it twice.
  if (h.status === 'Degraded') return { state: 'Failed', message: h.message.replace(/^job failed: /, '') };
  return { state: 'Running', message: h.message };
}

export function describeHook(h: Pick<HookStatus, 'kind' | 'namespace' | 'name'>, phase?: string): string {
  return `${phase ? `${phase} hook ` : ''}${h.kind} ${h.namespace ? `${h.namespace}/` : ''}${h.name}`;
}

/** Hook records a new operation keeps from the last one: objects still there to delete later. */
export function carriedHooks(previous: SyncOperation | undefined): HookStatus[] {
  return (previous?.hooks ?? [])
    .filter((h) => !h.deleted && h.deletePolicies.includes('BeforeHookCreation'))
    .map((h) => ({ ...h, step: '' }))
    .slice(-STALE_LIMIT);
}

export class HookObjects {
  private readonly s: Syncer;
  /** Watches a kind, so a change to a hook or a waited-for object wakes its Application. */
  readonly watch: (rt: ResourceType) => void;

  constructor(s: Syncer, watch: (rt: ResourceType) => void) {
    this.s = s;
    this.watch = watch;
  }

  /**
   * Creates one hook for a step, deleting its earlier instances first when its policy is
   * BeforeHookCreation (Argo CD's default); returns its record.
   */
  async create(op: SyncOperation, phase: HookPhase, step: string, o: DesiredObject): Promise<HookStatus> {
    try {
      return await this.send(op, phase, step, o);
    } catch (err) {
      const refused = err instanceof KubeApiError && [400, 403, 404, 422].includes(err.code);
      throw new SyncError(`${phase} hook ${describeObject(o)}: ${(err as Error).message}`, refused, {
        cause: err,
      });
    }
  }

  private async send(
    op: SyncOperation,
    phase: HookPhase,
    step: string,
    o: DesiredObject,
  ): Promise<HookStatus> {
    const hook = o.hook as NonNullable<DesiredObject['hook']>;
    const rt = await this.s.mapper.map(o.apiVersion, o.kind);
    this.watch(rt);
    const key = hookKey(phase, o);
    const opts = { impersonate: this.s.impersonate };
    let created: KubeObject;
    if (hook.deletePolicies.includes('BeforeHookCreation')) {
      for (const old of op.hooks ?? []) {
        if (old.key !== key || old.deleted) continue;
        await this.deleteAndWait(rt, old.namespace, old.name);
        old.deleted = true;
      }
      if (!o.generateName) await this.deleteAndWait(rt, o.namespace, o.name);
      created = await this.s.api.create<KubeObject>(rt, o.object, opts);
    } else if (o.generateName) {
      created = await this.s.api.create<KubeObject>(rt, o.object, opts);
    } else {
      created = await this.s.api.apply<KubeObject>(rt, o.object, opts);
    }
    const record: HookStatus = {
      key,
      step,
      apiVersion: o.apiVersion,
      kind: o.kind,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      name: created.metadata.name,
      state: 'Running',
      deletePolicies: [...hook.deletePolicies],
    };
    op.hooks = [...(op.hooks ?? []).filter((h) => !(h.deleted && h.step === '')), record];
    return record;
  }

  /** Reads a running hook's object and records how it ended, deleting it if its policy says so. */
  async observe(record: HookStatus): Promise<void> {
    if (record.state !== 'Running') return;
    const rt = await this.s.mapper.map(record.apiVersion, record.kind);
    this.watch(rt);
    const live = await this.s.api.getOrUndefined<KubeObject & { status?: Record<string, unknown> }>(
      rt,
      record.namespace,
      record.name,
    );
    const outcome = hookOutcome(record.kind, live);
    if (outcome.state === 'Running') return;
    record.state = outcome.state;
    record.message = outcome.message.slice(0, 512);
    const policy = outcome.state === 'Succeeded' ? 'HookSucceeded' : 'HookFailed';
    if (live && record.deletePolicies.includes(policy)) {
      await this.s.api.delete(rt, record.namespace, record.name, this.deleteOptions());
      record.deleted = true;
    }
  }

  private deleteOptions() {
    return this.s.impersonate ? { impersonate: this.s.impersonate } : {};
  }

  private deleteAndWait(rt: ResourceType, namespace: string | undefined, name: string) {
    return deleteAndWait(this.s.api, rt, namespace, name, { impersonate: this.s.impersonate });
  }
}
