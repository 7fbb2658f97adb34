// `matches` and metric-name rules use Go regular expressions, which are RE2: no backreferences
// or lookaround, and matching in time linear in the subject. JavaScript's RegExp backtracks, so
// a hostile pattern could stall the controller; re2js (a port of RE2/J) gives Go's syntax, Go's
// error messages and RE2's linear-time guarantee. test/bench/regex-jsonpath-bench.ts has figures.

import { RE2JS, RE2JSException } from 're2js';
import { LruCache } from './lru-cache.ts';

export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
}

const MAX_PATTERN_LENGTH = 1000;

interface CompiledRegex {
  readonly pattern: string;
  readonly re: RE2JS;
}

const cache = new LruCache<string, CompiledRegex>(64);

/** Compiles (or fetches from the cache) a pattern; throws `RegexSyntaxError` with Go's reason. */
export function compileRegex(pattern: string): CompiledRegex {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new RegexSyntaxError(`pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    // Go words it "error parsing regexp: missing closing ): `(a`"; keep the reason.
    const reason = error.message.replace(/^error parsing regexp: /, '').replace(/: `.*`$/s, '');
    throw new RegexSyntaxError(reason, { cause: error });
  }
  const compiled = { pattern, re };
  cache.set(pattern, compiled);
  return compiled;
}

/**
 * Whether the pattern matches anywhere in `subject` (unanchored, like Go's MatchString).
 * `charge` is told the work up front, one step per character, so the caller's budget stops a
 * huge subject before it is scanned.
 */
export function regexMatches(
  regex: CompiledRegex,
  subject: string,
  charge: (steps: number) => void,
): boolean {
  charge(1 + subject.length);
  return regex.re.test(subject);
}
