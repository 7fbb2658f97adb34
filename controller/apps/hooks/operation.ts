// A sync operation run as a resumable step machine: each reconcile advances it as far as it
// can and stops at the first step still waiting (a hook running, a wave not healthy yet).
// Its progress is in the Application's status (`SyncOperation`), so a controller restart
// continues where it was instead of running hooks twice.

import type { SyncOperation } from '../../api/application.ts';
import type { KubeObject, ResourceType } from '../../kube/resources.ts';
import { apiTime } from '../../runtime/api-time.ts';
import { assessHealth } from '../health.ts';
import { type DesiredObject, stages } from '../manifest.ts';
import { apply, describeObject, type Syncer } from '../sync.ts';
import { describeHook, type HookObjects } from './hook-objects.ts';
import { hookKey, type SyncStep, syncSteps } from './sync-steps.ts';

/** The operation cannot go on yet; `message` says what it waits for. */
export class SyncWaiting extends Error {
  override readonly name = 'SyncWaiting';
}

/** A hook failed or a step timed out; SyncFail hooks have run. */
export class SyncOperationFailed extends Error {
  override readonly name = 'SyncOperationFailed';
  readonly reason: FailureReason;

  constructor(reason: FailureReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** The condition reason of a failed sync: a hook failed, or a step waited too long. */
export type FailureReason = NonNullable<SyncOperation['reason']>;

export interface OperationContext {
  s: Syncer;
  hooks: HookObjects;
  desired: DesiredObject[];
  op: SyncOperation;
  now: () => Date;
  /** How long a step may wait before the sync fails. */
  timeoutMs: number;
  onStep?: (step: SyncStep, index: number) => void;
  /** Told before each apply stage (sync.ts `stages`), numbered across the whole sync. */
  onApply?: (index: number, stage: DesiredObject[]) => void;
}

type Verdict = { state: 'done' } | { state: 'waiting' | 'failed'; message: string };

const stepId = (step: SyncStep) => `${step.phase}/${step.wave}`;

/**
 * Runs the operation's steps from where status says it is. Returns the apply responses of
 * the objects applied in this call once every step is done; throws SyncWaiting while a step
 * waits and SyncOperationFailed when the sync failed (after its SyncFail hooks).
 */
export async function runOperation(ctx: OperationContext): Promise<Map<string, KubeObject>> {
  const { op } = ctx;
  const responses = new Map<string, KubeObject>();
  for (;;) {
    const steps = syncSteps(ctx.desired, op.failing === true);
    const step = steps[op.step];
    if (!step) {
      if (op.failing) {
        op.phase = 'Failed';
        throw new SyncOperationFailed(op.reason ?? 'SyncFailed', op.message ?? 'sync failed');
      }
      op.phase = 'Succeeded';
      return responses;
    }
    if (!op.stepStarted) {
      ctx.onStep?.(step, op.step);
      const offset = steps.slice(0, op.step).reduce((n, st) => n + stages(st.objects).length, 0);
      await startStep(ctx, step, responses, (i, stage) => ctx.onApply?.(offset + i, stage));
      op.stepStarted = true;
    }
    const verdict = await judgeStep(ctx, step, op.step < steps.length - 1);
    if (verdict.state === 'waiting') {
      const since = Date.parse((op.failing ? op.failedAt : undefined) ?? op.startedAt);
      if (ctx.now().getTime() - since <= ctx.timeoutMs) throw new SyncWaiting(verdict.message);
      fail(
        ctx,
        steps.length,
        'SyncTimedOut',
        `timed out after ${Math.round(ctx.timeoutMs / 1000)}s ${verdict.message}`,
      );
      continue;
    }
    if (verdict.state === 'failed') {
      fail(ctx, steps.length, 'HookFailed', verdict.message);
      continue;
    }
    op.step += 1;
    op.stepStarted = false;
  }
}

/** Ends the sync steps and starts the SyncFail ones; a failure among those ends it all. */
function fail(ctx: OperationContext, stepCount: number, reason: FailureReason, message: string): void {
  const { op } = ctx;
  if (op.failing) {
    op.message = `${op.message}; then ${message}`;
    op.step = stepCount;
    return;
  }
  op.failing = true;
  op.reason = reason;
  op.failedAt = apiTime(ctx.now());
  op.message = message;
  op.step = 0;
  op.stepStarted = false;
}

async function startStep(
  ctx: OperationContext,
  step: SyncStep,
  responses: Map<string, KubeObject>,
  onApply: (index: number, stage: DesiredObject[]) => void,
) {
  if (step.objects.length > 0) {
    for (const [id, r] of await apply(ctx.s, step.objects, onApply)) responses.set(id, r);
  }
  // One after another: BeforeHookCreation deletes and waits, and order is kind, then name.
  // A hook this step already created (before an error ended an earlier try) is not created twice.
  for (const o of step.hooks) {
    const key = hookKey(step.phase, o);
    if ((ctx.op.hooks ?? []).some((h) => h.step === stepId(step) && h.key === key)) continue;
    await ctx.hooks.create(ctx.op, step.phase, stepId(step), o);
  }
}

/**
 * A step is done when its hooks completed and, if another step follows, its objects are
 * healthy (Argo CD's waves: the next wave starts once the previous one is healthy).
 */
async function judgeStep(ctx: OperationContext, step: SyncStep, gate: boolean): Promise<Verdict> {
  const records = (ctx.op.hooks ?? []).filter((h) => h.step === stepId(step));
  for (const r of records) await ctx.hooks.observe(r);
  const failed = records.find((r) => r.state === 'Failed');
  if (failed)
    return { state: 'failed', message: `${describeHook(failed, step.phase)} failed: ${failed.message}` };
  const running = records.find((r) => r.state === 'Running');
  if (running)
    return { state: 'waiting', message: `waiting for ${describeHook(running, step.phase)} to complete` };
  if (!gate) return { state: 'done' };
  const unhealthy = await firstUnhealthy(ctx.s, step.objects, (rt) => ctx.hooks.watch(rt));
  if (unhealthy)
    return { state: 'waiting', message: `waiting for wave ${step.wave} to be healthy: ${unhealthy}` };
  return { state: 'done' };
}

/**
 * The first of `objects` whose live state is not healthy, described; undefined when all
 * are. Objects never sent (`ssa: Ignore`, `reconcile: disabled`) are not judged.
 */
export async function firstUnhealthy(
  s: Syncer,
  objects: DesiredObject[],
  watch: (rt: ResourceType) => void,
): Promise<string | undefined> {
  for (const o of objects) {
    if (o.options.apply === 'never') continue;
    const rt = await s.mapper.map(o.apiVersion, o.kind);
    watch(rt);
    const live = await s.api.getOrUndefined<KubeObject>(rt, o.namespace, o.name);
    const health = assessHealth(live);
    if (health.status !== 'Healthy') return `${describeObject(o)} is ${health.status}: ${health.message}`;
  }
  return undefined;
}
