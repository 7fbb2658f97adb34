// A Provider and its Secret made into what sending needs, as Flux reads them: the Secret's
// `address` overrides spec.address, `token` authenticates (or keys generic-hmac's signature),
// `headers` is a YAML map added to every request. Pure, so the Provider reconciler validates
// with the same code the dispatcher sends with.

import { parse } from 'yaml';
import { PROVIDER_DEFAULTS, type Provider } from '../api/notification.ts';
import { parseDuration } from '../runtime/duration.ts';
import type { ProviderConfig } from './payload.ts';

/** A field of the Provider (or a key of its Secret) that cannot be used, named. */
export class ProviderSpecError extends Error {
  override readonly name = 'ProviderSpecError';
}

/** The resolved Provider: its config and how long one request may take. */
export interface ResolvedProvider {
  config: ProviderConfig;
  timeoutMs: number;
  /** spec.suspend: events for it are dropped, as Flux does. */
  suspended: boolean;
}

function decode(data: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8').trim();
}

function parseHeaders(secretName: string, text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  const where = `Secret '${secretName}' key headers`;
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new ProviderSpecError(`${where}: not YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderSpecError(`${where}: must be a map of header names to values`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
      throw new ProviderSpecError(`${where}: invalid header name ${JSON.stringify(name)}`);
    headers[name.toLowerCase()] = String(value);
  }
  return headers;
}

/**
 * Resolves a Provider with its Secret's data (base64, as the API serves it; undefined when it
 * has no secretRef). Throws `ProviderSpecError` naming the field or key at fault.
 */
export function resolveProvider(
  provider: Provider,
  secretData: Readonly<Record<string, string>> | undefined,
): ResolvedProvider {
  const { spec } = provider;
  const secretName = spec.secretRef?.name ?? '';
  const fromSecret = decode(secretData, 'address');
  const address = fromSecret ?? spec.address;
  const field = fromSecret === undefined ? 'spec.address' : `Secret '${secretName}' key address`;
  if (!address)
    throw new ProviderSpecError(
      `spec.address: required for type ${spec.type} (or key address in spec.secretRef)`,
    );
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ProviderSpecError(`${field}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderSpecError(`${field}: must be an http:// or https:// URL, not ${url.protocol}`);
  }
  const token = decode(secretData, 'token');
  const needsToken = spec.type === 'generic-hmac' || spec.type === 'github' || spec.type === 'gitlab';
  if (needsToken && !token) {
    throw new ProviderSpecError(
      spec.secretRef
        ? `spec.secretRef: Secret '${secretName}' has no key token, which type ${spec.type} needs`
        : `spec.secretRef: type ${spec.type} needs a Secret with key token`,
    );
  }
  return {
    config: {
      type: spec.type,
      address,
      channel: spec.channel,
      username: spec.username,
      token,
      headers: parseHeaders(secretName, decode(secretData, 'headers')),
    },
    timeoutMs: parseDuration(spec.timeout ?? PROVIDER_DEFAULTS.timeout),
    suspended: spec.suspend === true,
  };
}
