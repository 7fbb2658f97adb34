// Typed failures of a metric provider. The analysis engine turns every one of them into an
// `Error` measurement (Argo Rollouts semantics): a provider failure is never a success, and
// `kind` lets it word the message and count errors per class without string matching.

type ProviderErrorKind = 'unreachable' | 'timeout' | 'aborted' | 'bad-response' | 'query' | 'config';

interface ProviderErrorOptions {
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** Provider type, e.g. `Prometheus` or `Web`. */
  readonly provider: string;

  constructor(kind: ProviderErrorKind, provider: string, message: string, options?: ProviderErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.provider = provider;
  }
}

/** Connection refused, DNS failure, TLS failure, connection reset. */
export class ProviderUnreachableError extends ProviderError {
  /** System or undici error code when known, e.g. `ECONNREFUSED`. */
  readonly code: string | undefined;

  constructor(provider: string, message: string, code: string | undefined, options?: ProviderErrorOptions) {
    super('unreachable', provider, message, options);
    this.name = 'ProviderUnreachableError';
    this.code = code;
  }
}

/** No complete answer within the metric's timeout. */
export class ProviderTimeoutError extends ProviderError {
  readonly timeoutMs: number;

  constructor(provider: string, message: string, timeoutMs: number, options?: ProviderErrorOptions) {
    super('timeout', provider, message, options);
    this.name = 'ProviderTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's signal fired (run terminated, controller shutting down); not the server's fault. */
export class ProviderAbortedError extends ProviderError {
  constructor(provider: string, message: string, options?: ProviderErrorOptions) {
    super('aborted', provider, message, options);
    this.name = 'ProviderAbortedError';
  }
}

type BadResponseReason =
  | 'http-status'
  | 'html'
  | 'not-json'
  | 'too-large'
  | 'unexpected-shape'
  | 'unknown-result-type'
  | 'path-not-found';

/** The server answered, but not with something we can use. */
export class ProviderBadResponseError extends ProviderError {
  readonly reason: BadResponseReason;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    provider: string,
    message: string,
    reason: BadResponseReason,
    status: number | undefined,
    options?: ProviderErrorOptions,
  ) {
    super('bad-response', provider, message, options);
    this.name = 'ProviderBadResponseError';
    this.reason = reason;
    this.status = status;
  }
}

/** The metrics backend understood the request and rejected the query (Prometheus `status: "error"`). */
export class ProviderQueryError extends ProviderError {
  /** Prometheus `errorType`, e.g. `bad_data`, `execution`, `timeout`. */
  readonly errorType: string;
  /** Prometheus `error`, the backend's own explanation. */
  readonly error: string;
  readonly status: number | undefined;

  constructor(
    provider: string,
    errorType: string,
    error: string,
    status: number | undefined,
    options?: ProviderErrorOptions,
  ) {
    super('query', provider, `${provider} rejected the query (${errorType}): ${error}`, options);
    this.name = 'ProviderQueryError';
    this.errorType = errorType;
    this.error = error;
    this.status = status;
  }
}

/** The metric's provider spec cannot be used as written; retrying will not help. */
export class ProviderConfigError extends ProviderError {
  constructor(provider: string, message: string, options?: ProviderErrorOptions) {
    super('config', provider, message, options);
    this.name = 'ProviderConfigError';
  }
}

/** The metric names a provider Sluice does not implement (e.g. `datadog`). */
export class UnsupportedProviderError extends ProviderConfigError {
  readonly requested: string;
  readonly supported: readonly string[];

  constructor(requested: string, supported: readonly string[]) {
    super(
      requested,
      `metric provider '${requested}' is not supported; supported providers: ${supported.join(', ')}`,
    );
    this.name = 'UnsupportedProviderError';
    this.requested = requested;
    this.supported = supported;
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}
