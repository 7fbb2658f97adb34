// Content hashes that name ReplicaSets and detect changes to canary steps. Argo hashes Go
// structs with spew; we hash canonical JSON, so the values differ from Argo's but have the
// same shape (short, DNS-safe, stable across restarts and releases).

/** The alphabet Kubernetes uses for generated names: no vowels, no look-alike characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Like k8s.io/apimachinery rand.SafeEncodeString over the decimal form of the hash. */
export function safeEncode(n: number): string {
  let out = '';
  for (const ch of String(n)) out += SAFE_ALPHABET[Number(ch.charCodeAt(0)) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted at every level, so equal data always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The pod-template-hash of a template. `collisionCount` is mixed in, as Deployments do, so a
 * bump yields a new name when a ReplicaSet of the same name with another template exists.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  const salt = collisionCount ? `#${collisionCount}` : '';
  return safeEncode(fnv32a(canonicalJson(template ?? {}) + salt));
}

/** A short hash of any JSON value (canary steps, an abort time). */
export function shortHash(value: unknown): string {
  return safeEncode(fnv32a(canonicalJson(value)));
}
