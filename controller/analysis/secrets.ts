// Reads Secret keys for a run's measurements: `valueFrom.secretKeyRef` arguments and Prometheus
// `authentication`. Always from the run's own namespace, by name (the controller may `get`
// Secrets, never list them), once per reconcile at most, and never copied into the run: values
// live only in memory for the measurement that needs them.

import { KubeApiError } from '../kube/api-errors.ts';
import type { ObjectApi } from '../kube/objects.ts';
import { core, type KubeObject } from '../kube/resources.ts';

/** A Secret or key a measurement needs is missing or forbidden: that measurement is an Error. */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
}

type SecretObject = KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };

export class SecretReader {
  private readonly api: ObjectApi;
  private readonly namespace: string;
  private readonly cache = new Map<string, Promise<SecretObject | undefined>>();
  /** Every value handed out, so callers can scrub them from anything they write. */
  readonly values = new Set<string>();

  constructor(api: ObjectApi, namespace: string) {
    this.api = api;
    this.namespace = namespace;
  }

  /** The key's value, decoded; throws `SecretUnavailableError` when it cannot be had. */
  async read(name: string, key: string): Promise<string> {
    let pending = this.cache.get(name);
    if (pending === undefined) {
      pending = this.api.getOrUndefined<SecretObject>(core.secrets, this.namespace, name);
      this.cache.set(name, pending);
    }
    let secret: SecretObject | undefined;
    try {
      secret = await pending;
    } catch (error) {
      if (error instanceof KubeApiError && (error.code === 403 || error.code === 401)) {
        throw new SecretUnavailableError(
          `not allowed to read Secret ${this.namespace}/${name} (${error.reason})`,
          { cause: error },
        );
      }
      throw error;
    }
    if (secret === undefined) {
      throw new SecretUnavailableError(`Secret ${this.namespace}/${name} not found`);
    }
    const encoded = secret.data?.[key];
    if (encoded === undefined) {
      throw new SecretUnavailableError(`Secret ${this.namespace}/${name} has no key "${key}"`);
    }
    const value = Buffer.from(encoded, 'base64').toString('utf8');
    this.values.add(value);
    return value;
  }
}

/** Shorter values would blank out ordinary words and protect nothing (as the providers do). */
const MIN_SCRUB_LENGTH = 4;

/** `text` with every secret value replaced, for messages, values and metadata we store or log. */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so a value that contains another is replaced whole.
  const sorted = [...secrets].filter((s) => s.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of sorted) {
    out = out.split(secret).join('[redacted]');
    const encoded = Buffer.from(secret).toString('base64');
    if (encoded.length >= MIN_SCRUB_LENGTH) out = out.split(encoded).join('[redacted]');
  }
  return out;
}
