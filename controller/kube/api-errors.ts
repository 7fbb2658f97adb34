/** A Kubernetes API error, parsed from the server's `Status` body. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly code: number;
  /** Status.reason, e.g. NotFound, Conflict, Invalid, Forbidden, Expired. */
  readonly reason: string;
  readonly details: unknown;

  constructor(code: number, reason: string, message: string, details?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  static fromResponse(code: number, body: string, what: string): KubeApiError {
    // Error bodies arrive as raw strings; most are a JSON Status, some (proxies, 503s) are not.
    try {
      const status = JSON.parse(body) as {
        kind?: string;
        message?: string;
        reason?: string;
        details?: unknown;
      };
      if (status.kind === 'Status') {
        return new KubeApiError(code, status.reason ?? 'Unknown', status.message ?? body, status.details);
      }
    } catch {
      // not JSON: fall through
    }
    const text = body.trim().slice(0, 500) || `HTTP ${code}`;
    return new KubeApiError(code, reasonForCode(code), `${what}: ${text}`);
  }
}

/** The API server could not be reached at all (connection refused, reset, TLS, timeout). */
export class KubeConnectionError extends Error {
  override readonly name = 'KubeConnectionError';
}

function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    default:
      return code >= 500 ? 'InternalError' : 'Unknown';
  }
}

export function isNotFound(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409;
}

export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.code === 410 || err.reason === 'Expired');
}
