// The CRDs' CEL validation rules, evaluated from their text in crds/ with a CEL library, so a
// rule added to a CRD is checked offline without a second copy here.

import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { toCel } from '../../controller/runtime/cel-values.ts';

interface RuleOutcome {
  ok: boolean;
  /** Why the rule could not be evaluated, as the API server would also report it. */
  error?: string;
}

// `dyn` variables and mixed list literals, as the API server's CEL environment allows for
// `[has(self.a), has(self.b)]` and for values whose type the schema leaves open.
const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const compiled = new Map<string, ParseResult>();

/** Compile a rule once; a syntax error throws (the CRD itself is broken). */
export function compileRule(rule: string): ParseResult {
  let program = compiled.get(rule);
  if (!program) {
    program = env.parse(rule);
    compiled.set(rule, program);
  }
  return program;
}

/**
 * Whether a rule holds for `self`. Transition rules (`oldSelf`) are skipped: there is no
 * previous object offline, and the API server skips them on create as well.
 */
export function evaluateRule(rule: string, self: unknown): RuleOutcome {
  if (/\boldSelf\b/.test(rule)) return { ok: true };
  try {
    return { ok: compileRule(rule)({ self: toCel(self) }) === true };
  } catch (err) {
    return {
      ok: false,
      error: err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err),
    };
  }
}
