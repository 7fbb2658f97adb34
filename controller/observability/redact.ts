// Credentials a log line, a status message or an Event may otherwise carry by accident:
// `scheme://user:password@host` in URLs (git echoes the URL it was given) and the value of
// an Authorization header.

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s'"]+@/gi;
const AUTH_HEADER = /(Authorization:\s*\w+\s+)\S+/gi;

/** `text` without URL credentials or Authorization header values. */
export function redactCredentials(text: string): string {
  return text.replace(URL_USERINFO, '$1***@').replace(AUTH_HEADER, '$1***');
}

const MAX_DEPTH = 8;

/**
 * A copy of a log line's fields with every string passed through `redactCredentials`.
 * Errors are copied with their message and stack scrubbed (their cause is dropped: it is
 * where a library keeps the raw text).
 */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactCredentials(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    const copy = new Error(redactCredentials(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactCredentials(value.stack);
    const code = (value as NodeJS.ErrnoException).code;
    if (code !== undefined) Object.assign(copy, { code });
    return copy;
  }
  if (value instanceof URL) return redactCredentials(value.href);
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  // Dates, Buffers and other class instances serialise themselves; only plain objects are walked.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactFields(v, depth + 1);
  return out;
}
