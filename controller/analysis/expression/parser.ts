// Precedence-climbing parser with expr-lang's operator table, so conditions group exactly as they
// do in Argo Rollouts: `a || b && c`, `-x ** 2 == -(x ** 2)`, `!a == b` as `(!a) == b`, chained
// comparisons `1 < x < 3`, `not in`, `??` which must not be mixed with other operators unless
// parenthesised, and the pipe `x | f(y)` meaning `f(x, y)`.

import type { BinaryOperator, CallNode, Node } from './ast.ts';
import { BINARY, COMPARISON_PRECEDENCE, NEGATABLE, PREDICATE_BUILTINS, SPELLING, UNARY } from './grammar.ts';
import { type Token, WORD_OPERATORS } from './lexer.ts';
import { TokenStream } from './token-stream.ts';

const MAX_NESTING = 64;

export function parse(source: string): Node {
  return new Parser(source).parseAll();
}

class Parser extends TokenStream {
  private nesting = 0;
  private predicateDepth = 0;

  parseAll(): Node {
    const node = this.parseExpression(0);
    if (this.current.kind !== 'eof') this.unexpected();
    return node;
  }

  private parseExpression(precedence: number): Node {
    if (++this.nesting > MAX_NESTING) this.fail(`expression is nested too deeply (limit ${MAX_NESTING})`);
    if (precedence === 0 && this.is('identifier', 'let')) this.fail('let declarations are not supported');
    let left = this.parsePrimary();
    let previous = '';
    while (this.is('operator')) {
      if (this.is('operator', 'not') && COMPARISON_PRECEDENCE < precedence) break;
      const opToken = this.current;
      const negate = this.takeNegation();
      const opText = this.current.text;
      const info = BINARY.get(opText);
      if (info === undefined || info.precedence < precedence) break;
      this.next();
      if (opText === '|') {
        left = this.parsePipe(left);
      } else if (previous === '??' && opText !== '??') {
        this.fail(
          `operator (${opText}) and coalesce expressions (??) cannot be mixed; wrap either in parentheses`,
          opToken.position,
        );
      } else if (info.precedence === COMPARISON_PRECEDENCE) {
        left = this.parseComparison(left, opText, negate, opToken.position);
      } else {
        const right = this.parseExpression(info.rightAssociative ? info.precedence : info.precedence + 1);
        left = this.binary(opText, left, right, opToken.position);
      }
      previous = opText;
    }
    if (precedence === 0) left = this.parseConditional(left);
    this.nesting--;
    return left;
  }

  /** Consumes the `not` of `not in`, `not matches`, ...; any other `not` here is an error. */
  private takeNegation(): boolean {
    if (!this.is('operator', 'not')) return false;
    const following = this.peek();
    this.next();
    if (following?.kind !== 'operator' || !NEGATABLE.has(following.text)) this.unexpected();
    return true;
  }

  private binary(opText: string, left: Node, right: Node, position: number): Node {
    const operator = SPELLING.get(opText) ?? (opText as BinaryOperator);
    return { type: 'binary', operator, left, right, position };
  }

  /** `a < b <= c` means `a < b && b <= c`, as in expr. */
  private parseComparison(left: Node, opText: string, negate: boolean, position: number): Node {
    let root: Node | undefined;
    let operand = left;
    let op = opText;
    let negated = negate;
    let at = position;
    while (true) {
      const right = this.parseExpression(COMPARISON_PRECEDENCE + 1);
      let comparison = this.binary(op, operand, right, at);
      if (negated) comparison = { type: 'unary', operator: '!', operand: comparison, position: at };
      root =
        root === undefined
          ? comparison
          : { type: 'binary', operator: '&&', left: root, right: comparison, position: at };
      operand = right;
      at = this.current.position;
      negated = this.takeNegation();
      if (!this.is('operator') || BINARY.get(this.current.text)?.precedence !== COMPARISON_PRECEDENCE) break;
      op = this.current.text;
      this.next();
    }
    return root;
  }

  private parseConditional(test: Node): Node {
    let node = test;
    while (this.is('operator', '?')) {
      const position = this.current.position;
      this.next();
      let consequent: Node;
      if (this.is('operator', ':')) {
        consequent = node;
      } else {
        consequent = this.parseExpression(0);
        if (!this.is('operator', ':')) this.unexpected();
      }
      this.next();
      const alternate = this.parseExpression(0);
      node = { type: 'conditional', test: node, consequent, alternate, position };
    }
    return node;
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === 'operator') {
      const unary = UNARY.get(token.text);
      if (unary !== undefined) {
        this.next();
        const operand = this.parseExpression(unary.precedence);
        return this.parsePostfix({
          type: 'unary',
          operator: unary.operator,
          operand,
          position: token.position,
        });
      }
    }
    if (token.kind === 'bracket' && token.text === '(') {
      this.next();
      const inner = this.parseExpression(0);
      this.expect('bracket', ')');
      return this.parsePostfix(inner);
    }
    if (token.kind === 'pointer' || (token.kind === 'operator' && token.text === '.')) {
      if (this.predicateDepth === 0) this.fail('cannot use pointer accessor outside predicate');
      // `.name` is short for `#.name`: leave the dot for the postfix loop.
      if (token.kind === 'pointer') this.next();
      const name = token.kind === 'pointer' ? token.text : '';
      return this.parsePostfix({ type: 'pointer', name, position: token.position });
    }
    return this.parsePostfix(this.parseSecondary());
  }

  private parseSecondary(): Node {
    const token = this.current;
    const position = token.position;
    switch (token.kind) {
      case 'identifier':
        this.next();
        if (token.text === 'true' || token.text === 'false') {
          return { type: 'literal', value: token.text === 'true', position };
        }
        if (token.text === 'nil' || token.text === 'null') return { type: 'literal', value: null, position };
        if (this.is('bracket', '(')) return this.parseCall(token, []);
        return { type: 'identifier', name: token.text, position };
      case 'number':
        this.next();
        return { type: 'literal', value: token.number, position };
      case 'string':
        this.next();
        return { type: 'literal', value: token.text, position };
      case 'bracket':
        if (token.text === '[') {
          return {
            type: 'array',
            elements: this.parseList('[', ']', () => this.parseExpression(0)),
            position,
          };
        }
        if (token.text === '{') {
          return { type: 'map', entries: this.parseList('{', '}', () => this.parseMapEntry()), position };
        }
        return this.unexpected();
      default:
        return this.unexpected();
    }
  }

  private parsePipe(left: Node): Node {
    const name = this.current;
    if (name.kind !== 'identifier') this.unexpected();
    this.next();
    if (!this.is('bracket', '(')) this.unexpected();
    return this.parseCall(name, [left]);
  }

  private parseCall(name: Token, piped: Node[]): CallNode {
    const shape = PREDICATE_BUILTINS.get(name.text);
    if (shape === undefined) {
      const args = this.parseList('(', ')', () => this.parseExpression(0));
      return { type: 'call', name: name.text, args: [...piped, ...args], position: name.position };
    }
    const args = [...piped];
    this.expect('bracket', '(');
    for (const [i, kind] of shape.slice(piped.length).entries()) {
      const optional = kind.startsWith('optional');
      if (optional && this.is('bracket', ')')) break;
      if (i > 0) this.expect('operator', ',');
      if (optional && this.is('bracket', ')')) break;
      args.push(kind.endsWith('predicate') ? this.parsePredicate() : this.parseExpression(0));
    }
    if (this.is('operator', ',')) this.next();
    this.expect('bracket', ')');
    return { type: 'call', name: name.text, args, position: name.position };
  }

  private parsePredicate(): Node {
    const position = this.current.position;
    const braced = this.is('bracket', '{');
    if (braced) this.next();
    this.predicateDepth++;
    const body = this.parseExpression(0);
    this.predicateDepth--;
    if (braced) this.expect('bracket', '}');
    return { type: 'predicate', body, position };
  }

  /** Comma-separated items between brackets; a trailing comma is allowed. */
  private parseList<T>(open: string, close: string, item: () => T): T[] {
    this.expect('bracket', open);
    const items: T[] = [];
    while (!this.is('bracket', close)) {
      if (items.length > 0) {
        this.expect('operator', ',');
        if (this.is('bracket', close)) break;
      }
      items.push(item());
    }
    this.next();
    return items;
  }

  private parseMapEntry(): { key: Node; value: Node } {
    const token = this.current;
    let key: Node;
    if (token.kind === 'number' || token.kind === 'string' || token.kind === 'identifier') {
      key = { type: 'literal', value: token.text, position: token.position };
      this.next();
    } else if (token.kind === 'bracket' && token.text === '(') {
      key = this.parseExpression(0);
    } else {
      this.fail('a map key must be a quoted string, a number, a name, or an expression in parentheses');
    }
    this.expect('operator', ':');
    return { key, value: this.parseExpression(0) };
  }

  private parsePostfix(start: Node): Node {
    let node = start;
    let optionalChain = false;
    while (true) {
      const token = this.current;
      if (token.kind === 'operator' && (token.text === '.' || token.text === '?.')) {
        const optional = token.text === '?.';
        optionalChain ||= optional;
        this.next();
        if (optional && this.is('bracket', '[')) {
          node = this.parseIndex(node, true);
          continue;
        }
        const property = this.current;
        const isName =
          property.kind === 'identifier' ||
          (property.kind === 'operator' && WORD_OPERATORS.has(property.text));
        if (!isName) this.fail('expected name');
        this.next();
        if (this.is('bracket', '(')) this.fail('method calls are not supported', property.position);
        node = {
          type: 'member',
          object: node,
          property: { type: 'literal', value: property.text, position: property.position },
          optional,
          position: property.position,
        };
      } else if (token.kind === 'bracket' && token.text === '[') {
        node = this.parseIndex(node, false);
      } else {
        break;
      }
    }
    return optionalChain ? { type: 'chain', expression: node, position: start.position } : node;
  }

  private parseIndex(object: Node, optional: boolean): Node {
    const position = this.current.position;
    this.expect('bracket', '[');
    const from = this.is('operator', ':') ? undefined : this.parseExpression(0);
    if (from !== undefined && this.is('bracket', ']')) {
      this.next();
      return { type: 'member', object, property: from, optional, position };
    }
    this.expect('operator', ':');
    const to = this.is('bracket', ']') ? undefined : this.parseExpression(0);
    this.expect('bracket', ']');
    return { type: 'slice', object, from, to, position };
  }
}
