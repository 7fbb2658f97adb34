// The condition language of AnalysisTemplates: the subset of expr-lang (github.com/expr-lang/expr)
// that Argo Rollouts users write in `successCondition` / `failureCondition`, evaluated by our own
// interpreter. Nothing here reaches JavaScript's `eval`, prototypes or host functions: the
// expression sees plain data in, and gives plain data out.
//
//   const condition = compile('result[0] >= 0.95');     // throws ExpressionSyntaxError
//   evaluate(condition, { result: [0.97] });             // true; throws ExpressionEvaluationError
//   evaluateCondition('len(result) == 0', { result }); // requires a boolean

import { type Node, walk } from './ast.ts';
import { DEFAULT_LIMITS, type Limits } from './context.ts';
import { Evaluator } from './evaluator.ts';
import { ExpressionEvaluationError, ExpressionSyntaxError } from './expression-errors.ts';
import { analyse, depthOf, type ExpressionFeatures } from './features.ts';
import { LruCache } from './lru-cache.ts';
import { parse } from './parser.ts';
import { compileRegex, RegexSyntaxError } from './regex.ts';
import { kindOf } from './values.ts';

export { DEFAULT_LIMITS } from './context.ts';
export {
  type EvaluationErrorCode,
  ExpressionBudgetError,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
} from './expression-errors.ts';

/** Longest accepted source, in characters. */
export const MAX_EXPRESSION_LENGTH = 4096;
/** Deepest accepted syntax tree. */
const MAX_AST_DEPTH = 100;
const CACHE_SIZE = 256;

export interface CompiledExpression {
  readonly source: string;
  readonly ast: Node;
  readonly features: ExpressionFeatures;
}

interface EvaluateOptions {
  /** Overrides of the default limits, e.g. a smaller step budget in tests. */
  limits?: Partial<Limits>;
}

const cache = new LruCache<string, CompiledExpression>(CACHE_SIZE);

/** Parses and checks an expression; compiled expressions are cached by source. */
export function compile(source: string): CompiledExpression {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      source,
      MAX_EXPRESSION_LENGTH,
    );
  }
  const ast = parse(source);
  const deepest = depthOf(ast);
  if (deepest.depth > MAX_AST_DEPTH) {
    throw new ExpressionSyntaxError(
      `expression is nested too deeply (limit ${MAX_AST_DEPTH})`,
      source,
      deepest.position,
    );
  }
  checkLiteralPatterns(ast, source);
  const compiled: CompiledExpression = Object.freeze({
    source,
    ast: deepFreeze(ast),
    features: analyse(ast),
  });
  cache.set(source, compiled);
  return compiled;
}

/** Evaluates against `env`, whose own properties are the variables (`result`, ...). */
export function evaluate(
  compiled: CompiledExpression,
  env: Record<string, unknown>,
  options: EvaluateOptions = {},
): unknown {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  return new Evaluator(compiled.source, env, limits).run(compiled.ast);
}

/** Compiles (cached) and evaluates, requiring a boolean as a condition must be. */
export function evaluateCondition(
  source: string | CompiledExpression,
  env: Record<string, unknown>,
  options: EvaluateOptions = {},
): boolean {
  const compiled = typeof source === 'string' ? compile(source) : source;
  const value = evaluate(compiled, env, options);
  if (typeof value !== 'boolean') {
    throw new ExpressionEvaluationError(
      'not-boolean',
      `expression did not return a boolean (got ${kindOf(value)}): ${compiled.source}`,
    );
  }
  return value;
}

/** A `matches` with a literal pattern is checked when compiling, as expr does. */
function checkLiteralPatterns(root: Node, source: string): void {
  walk(root, (node) => {
    if (node.type !== 'binary' || node.operator !== 'matches' || node.right.type !== 'literal') return;
    const pattern = node.right.value;
    if (typeof pattern !== 'string') return;
    try {
      compileRegex(pattern);
    } catch (error) {
      if (!(error instanceof RegexSyntaxError)) throw error;
      throw new ExpressionSyntaxError(
        `invalid regular expression: ${error.message}`,
        source,
        node.right.position,
        {
          cause: error,
        },
      );
    }
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
