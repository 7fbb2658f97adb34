// A cursor over the tokens of one expression, with the error helpers the parser uses.

import { ExpressionSyntaxError } from './expression-errors.ts';
import { type Token, tokenize } from './lexer.ts';

export class TokenStream {
  protected readonly source: string;
  private readonly tokens: Token[];
  private index = 0;

  constructor(source: string) {
    this.source = source;
    this.tokens = tokenize(source);
  }

  protected get current(): Token {
    // The token list always ends with `eof`, and `next` never moves past it.
    return this.tokens[this.index] as Token;
  }

  /** The token after the current one. */
  protected peek(): Token | undefined {
    return this.tokens[this.index + 1];
  }

  protected next(): void {
    if (this.index < this.tokens.length - 1) this.index++;
  }

  protected is(kind: Token['kind'], text?: string): boolean {
    return this.current.kind === kind && (text === undefined || this.current.text === text);
  }

  protected fail(reason: string, position = this.current.position): never {
    throw new ExpressionSyntaxError(reason, this.source, position);
  }

  protected unexpected(): never {
    if (this.current.kind === 'eof') this.fail('unexpected end of expression');
    this.fail(`unexpected token ${JSON.stringify(this.current.text)}`);
  }

  protected expect(kind: Token['kind'], text: string): void {
    if (!this.is(kind, text)) this.unexpected();
    this.next();
  }
}
