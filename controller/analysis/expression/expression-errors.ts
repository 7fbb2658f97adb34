// Typed failures of the condition language. A syntax error is the template author's to fix and
// carries a position; an evaluation error depends on the measured data as well, so the analysis
// engine records it as an `Error` measurement.

/** Where an error happened: 0-based offset plus 1-based line and column, for people. */
interface SourceLocation {
  position: number;
  line: number;
  column: number;
}

function locate(source: string, position: number): SourceLocation {
  const clamped = Math.max(0, Math.min(position, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { position: clamped, line, column: clamped - lineStart + 1 };
}

const SNIPPET_WIDTH = 80;

/** The offending line with a caret under the column; long lines are cut to a window around it. */
function caretSnippet(source: string, location: SourceLocation): string {
  const lineStart = location.position - (location.column - 1);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = source.length;
  let text = source.slice(lineStart, lineEnd);
  let caretAt = location.column - 1;
  if (text.length > SNIPPET_WIDTH) {
    const from = Math.max(0, Math.min(caretAt - SNIPPET_WIDTH / 2, text.length - SNIPPET_WIDTH));
    text = text.slice(from, from + SNIPPET_WIDTH);
    caretAt -= from;
  }
  return ` | ${text}\n | ${'.'.repeat(caretAt)}^`;
}

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  /** What is wrong, without the position or snippet. */
  readonly reason: string;
  readonly source: string;
  /** 0-based offset into the source. */
  readonly position: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;

  constructor(reason: string, source: string, position: number, options?: ErrorOptions) {
    const location = locate(source, position);
    super(`${reason} (${location.line}:${location.column})\n${caretSnippet(source, location)}`, options);
    this.reason = reason;
    this.source = source;
    this.position = location.position;
    this.line = location.line;
    this.column = location.column;
  }

  /** One line, for status messages and events. */
  get summary(): string {
    return `${this.reason} at line ${this.line}, column ${this.column}`;
  }
}

/**
 * Why an evaluation failed. `missing` covers an index out of range and a field read from nil: the
 * failures that mean "the data is not there", which `default()` turns into its fallback.
 */
export type EvaluationErrorCode =
  | 'missing'
  | 'type'
  | 'unknown-name'
  | 'unknown-function'
  | 'arguments'
  | 'forbidden'
  | 'budget'
  | 'not-boolean';

interface EvaluationErrorOptions extends ErrorOptions {
  /** 0-based offset of the failing part of the expression. */
  position?: number;
  /** The expression, to turn the position into a line and column. */
  source?: string;
}

export class ExpressionEvaluationError extends Error {
  override readonly name: string = 'ExpressionEvaluationError';
  readonly code: EvaluationErrorCode;
  /** What is wrong, without the position. */
  readonly reason: string;
  /** 0-based offset of the failing part of the expression, when known. */
  readonly position: number | undefined;

  constructor(code: EvaluationErrorCode, reason: string, options?: EvaluationErrorOptions) {
    super(withLocation(reason, options), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = reason;
    this.position = options?.position;
  }
}

function withLocation(reason: string, options: EvaluationErrorOptions | undefined): string {
  if (options?.position === undefined) return reason;
  if (options.source === undefined) return `${reason} (offset ${options.position})`;
  const { line, column } = locate(options.source, options.position);
  return `${reason} (${line}:${column})`;
}

/** The step budget, the range cap or a size cap was hit: the expression does too much work. */
export class ExpressionBudgetError extends ExpressionEvaluationError {
  override readonly name = 'ExpressionBudgetError';

  constructor(reason: string, options?: EvaluationErrorOptions) {
    super('budget', reason, options);
  }
}
