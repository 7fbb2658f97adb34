// Health for any kind from CEL expressions on the Application, as Flux's `healthCheckExprs`:
// the object's top-level fields (`metadata`, `spec`, `status`) are the variables;
// `inProgress`, then `failed`, then `current` are tried in turn; none true, or an expression
// that cannot be evaluated yet (a field not there), is Progressing.

import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { HealthCheckExpr } from '../../api/application.ts';
import { toCel } from '../../runtime/cel-values.ts';
import { degraded, healthy, type Obj, type ObjectHealth, progressing } from './object.ts';

/** An expression that does not compile: the Application stalls until a person fixes it. */
export class HealthCheckExprError extends Error {
  readonly kind: string;
  readonly expression: string;
  constructor(check: HealthCheckExpr, expression: string, options: { cause: unknown }) {
    super(
      `healthCheckExprs for ${check.apiVersion} ${check.kind}: expression ${JSON.stringify(expression)} does not compile: ${firstLine(options.cause)}`,
      options,
    );
    this.name = 'HealthCheckExprError';
    this.kind = check.kind;
    this.expression = expression;
  }
}

// Fields the schema leaves open are `dyn`, as in the API server's CEL environment.
const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const compiled = new Map<string, ParseResult>();
const COMPILED_LIMIT = 2_000;

function compile(check: HealthCheckExpr, expression: string): ParseResult {
  let program = compiled.get(expression);
  if (program) return program;
  try {
    program = env.parse(expression);
  } catch (err) {
    throw new HealthCheckExprError(check, expression, { cause: err });
  }
  // Types are known where literals meet (`1 + 'a'`), and an expression must be a condition.
  const typed = program.check();
  if (!typed.valid) throw new HealthCheckExprError(check, expression, { cause: typed.error });
  if (typed.type !== 'bool' && typed.type !== 'dyn')
    throw new HealthCheckExprError(check, expression, {
      cause: new TypeError(`it is a ${String(typed.type)}, not a bool`),
    });
  // Expressions come from Applications' specs: bound the cache, dropping the oldest.
  if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(expression, program);
  return program;
}

type Outcome = 'inProgress' | 'failed' | 'current';

interface CompiledCheck {
  apiVersion: string;
  kind: string;
  programs: [Outcome, string, ParseResult][];
}

/** The custom rules of one Application, compiled; one per apiVersion and kind. */
export class CustomHealth {
  private readonly checks: CompiledCheck[];

  /** Throws HealthCheckExprError naming the first expression that does not compile. */
  constructor(exprs: readonly HealthCheckExpr[] | undefined) {
    this.checks = (exprs ?? []).map((check) => ({
      apiVersion: check.apiVersion,
      kind: check.kind,
      programs: (['inProgress', 'failed', 'current'] as const)
        .filter((k) => check[k] !== undefined && check[k] !== '')
        .map((k) => [k, check[k] as string, compile(check, check[k] as string)]),
    }));
  }

  /** The object's health by its kind's expressions, or undefined when none are given for it. */
  assess(o: Obj): ObjectHealth | undefined {
    const check = this.checks.find((c) => c.kind === o.kind && c.apiVersion === o.apiVersion);
    if (!check) return undefined;
    const vars = toCel(o) as Record<string, unknown>;
    for (const [outcome, expression, program] of check.programs) {
      let value: unknown;
      try {
        value = program(vars);
      } catch (err) {
        return progressing(`${outcome} expression cannot be evaluated yet: ${firstLine(err)}`);
      }
      if (value !== true) continue;
      if (outcome === 'current') return healthy(`current: ${expression}`);
      if (outcome === 'failed') return degraded(`failed: ${expression}`);
      return progressing(`in progress: ${expression}`);
    }
    return progressing(`not yet current: ${check.programs.find(([k]) => k === 'current')?.[1] ?? ''}`);
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
