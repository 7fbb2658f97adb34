import { type Provider, type ProviderStatus, providerResource } from '../api/notification.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';
import type { Logger } from '../observability/logger.ts';
import { markReady } from '../runtime/conditions.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { ReconcilePass, SkeletonReconciler, type Step } from '../runtime/reconcile.ts';
import { type ReconcileError, StallingError } from '../runtime/reconcile-errors.ts';
import { recordConfigFailure } from './config-failure.ts';
import { ProviderSpecError, resolveProvider } from './provider-config.ts';

/** Secrets are not watched: a stalled Provider looks for its fixed Secret this often. */
const SECRET_RECHECK_MS = 30_000;

export interface ProviderReconcilerDeps {
  api: ObjectApi;
  events: Pick<EventRecorder, 'record'>;
  now?: () => Date;
}

type ProviderPass = ReconcilePass<Provider, ProviderStatus>;

/** Provider: Ready when its address parses and its Secret has what its type needs. */
export class ProviderReconciler extends SkeletonReconciler<Provider, ProviderStatus, ProviderPass> {
  readonly kind = 'Provider';
  private readonly api: ObjectApi;
  private readonly events: Pick<EventRecorder, 'record'>;

  constructor(deps: ProviderReconcilerDeps) {
    super({
      api: deps.api,
      resource: providerResource,
      recordReconcileRequests: true,
      failureReason: 'ValidationFailed',
      now: deps.now,
    });
    this.api = deps.api;
    this.events = deps.events;
  }

  protected steps(): readonly Step<ProviderPass>[] {
    return [(pass) => this.validate(pass)];
  }

  protected begin(provider: Provider, log: Logger, now: Date): ProviderPass {
    return new ReconcilePass(provider, log, now);
  }

  protected override suspended(provider: Provider): boolean {
    return provider.spec.suspend === true;
  }

  private async validate(pass: ProviderPass): Promise<void> {
    const provider = pass.object;
    const secretName = provider.spec.secretRef?.name;
    let data: Record<string, string> | undefined;
    if (secretName) {
      const secret = await this.api.getOrUndefined<KubeObject & { data?: Record<string, string> }>(
        core.secrets,
        provider.metadata.namespace,
        secretName,
      );
      if (!secret) {
        throw new StallingError('SecretNotFound', `spec.secretRef.name: Secret '${secretName}' not found`, {
          retryAfterMs: SECRET_RECHECK_MS,
        });
      }
      data = secret.data ?? {};
    }
    try {
      resolveProvider(provider, data);
    } catch (err) {
      if (!(err instanceof ProviderSpecError)) throw err;
      throw new StallingError('ValidationFailed', err.message, {
        cause: err,
        retryAfterMs: SECRET_RECHECK_MS,
      });
    }
    const generation = provider.metadata.generation;
    pass.status.conditions = markReady(
      pass.status.conditions,
      generation,
      'Succeeded',
      'Provider is valid',
      pass.now,
    );
    pass.status.observedGeneration = generation;
  }

  protected failed(pass: ProviderPass, failure: ReconcileError): ReconcileError {
    return recordConfigFailure(pass, failure, this.events);
  }
}
