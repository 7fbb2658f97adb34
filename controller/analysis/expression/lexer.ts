// Splits a condition into tokens, following expr-lang's lexical rules: numbers with digit
// separators and 0x / 0o / 0b prefixes, single- double- and back-quoted strings, `//` and
// `/* */` comments, word operators (`and`, `not`, `in`, `matches`, ...) and `#` pointers.

import { ExpressionSyntaxError } from './expression-errors.ts';

type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'bracket' | 'pointer' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Operator or bracket text, identifier name, string contents, or pointer name ('' for `#`). */
  text: string;
  /** Numeric value of a number token. */
  number: number;
  /** 0-based offset of the first character. */
  position: number;
}

export const WORD_OPERATORS: ReadonlySet<string> = new Set([
  'not',
  'in',
  'and',
  'or',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
]);

// Longest first, so `**` wins over `*` and `?.` over `?`.
const SYMBOL_OPERATORS = [
  '**',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '..',
  '?.',
  '??',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '<',
  '>',
  '!',
  '.',
  '?',
  ':',
  ',',
  '|',
  // Only so that `let x = 1; x` gets a clear "not supported" rather than a lexing error.
  '=',
  ';',
];

const BRACKETS = '()[]{}';
const MAX_INTEGER_LITERAL = 2 ** 63 - 1;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$');
}

function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (reason: string, at: number): never => {
    throw new ExpressionSyntaxError(reason, source, at);
  };
  const push = (kind: TokenKind, text: string, position: number, number = 0): void => {
    tokens.push({ kind, text, number, position });
  };

  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) fail('unclosed comment', i);
      i = end + 2;
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      i = lexNumber(source, i, push, fail);
    } else if (c === '"' || c === "'" || c === '`') {
      i = lexString(source, i, push, fail);
    } else if (c === '#') {
      let end = i + 1;
      while (isIdentPart(source[end])) end++;
      push('pointer', source.slice(i + 1, end), i);
      i = end;
    } else if (isIdentStart(c)) {
      let end = i + 1;
      while (isIdentPart(source[end])) end++;
      const word = source.slice(i, end);
      push(WORD_OPERATORS.has(word) ? 'operator' : 'identifier', word, i);
      i = end;
    } else if (c !== undefined && BRACKETS.includes(c)) {
      push('bracket', c, i);
      i++;
    } else {
      // `a ?.5 : 1` is a ternary with a float, not optional chaining.
      const op = SYMBOL_OPERATORS.find(
        (candidate) => source.startsWith(candidate, i) && !(candidate === '?.' && isDigit(source[i + 2])),
      );
      if (op === undefined) fail(`unexpected character ${JSON.stringify(c)}`, i);
      else {
        push('operator', op, i);
        i += op.length;
      }
    }
  }
  push('eof', '', source.length);
  return tokens;
}

type Push = (kind: TokenKind, text: string, position: number, number?: number) => void;
type Fail = (reason: string, at: number) => never;

function lexNumber(source: string, start: number, push: Push, fail: Fail): number {
  let i = start;
  const prefix = source.slice(i, i + 2).toLowerCase();
  const radix = prefix === '0x' ? 16 : prefix === '0o' ? 8 : prefix === '0b' ? 2 : 10;
  let value: number;
  if (radix !== 10) {
    i += 2;
    const digitsStart = i;
    while (i < source.length && /[0-9a-fA-F_]/.test(source[i] ?? '')) i++;
    const digits = source.slice(digitsStart, i).replaceAll('_', '');
    const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[01]+$/;
    if (!valid.test(digits)) fail('invalid number literal', start);
    value = Number.parseInt(digits, radix);
  } else {
    while (isDigit(source[i]) || source[i] === '_') i++;
    // A dot starts a fraction unless it begins the range operator or a member name.
    if (source[i] === '.' && source[i + 1] !== '.' && !isIdentStart(source[i + 1])) {
      i++;
      while (isDigit(source[i]) || source[i] === '_') i++;
    }
    if ((source[i] === 'e' || source[i] === 'E') && /[-+]?\d/.test(source.slice(i + 1, i + 3))) {
      i++;
      if (source[i] === '+' || source[i] === '-') i++;
      while (isDigit(source[i])) i++;
    }
    value = Number(source.slice(start, i).replaceAll('_', ''));
    if (Number.isNaN(value)) fail('invalid number literal', start);
  }
  if (isIdentPart(source[i])) fail('invalid number literal', start);
  if (value > MAX_INTEGER_LITERAL && Number.isInteger(value) && !/[.eE]/.test(source.slice(start, i))) {
    fail('integer literal is too large', start);
  }
  if (!Number.isFinite(value)) fail('number literal is too large', start);
  push('number', source.slice(start, i), start, value);
  return i;
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\x07'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['\\', '\\'],
  ["'", "'"],
  ['"', '"'],
]);

function lexString(source: string, start: number, push: Push, fail: Fail): number {
  const quote = source[start];
  let i = start + 1;
  if (quote === '`') {
    // Raw string: no escapes, may span lines.
    const end = source.indexOf('`', i);
    if (end === -1) fail('literal not terminated', start);
    push('string', source.slice(i, end), start);
    return end + 1;
  }
  let text = '';
  while (true) {
    const c = source[i];
    if (c === undefined) fail('literal not terminated', start);
    if (c === quote) break;
    if (c !== '\\') {
      text += c;
      i++;
      continue;
    }
    const escaped = source[i + 1];
    const simple = escaped === undefined ? undefined : SIMPLE_ESCAPES.get(escaped);
    if (simple !== undefined) {
      text += simple;
      i += 2;
      continue;
    }
    const hexLength = escaped === 'x' ? 2 : escaped === 'u' ? 4 : escaped === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = source.slice(i + 2, i + 2 + hexLength);
      const code = Number.parseInt(hex, 16);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength || code > 0x10ffff) {
        fail('invalid escape sequence', i);
      }
      text += String.fromCodePoint(code);
      i += 2 + hexLength;
      continue;
    }
    const octal = source.slice(i + 1, i + 4);
    if (/^[0-7]{3}$/.test(octal) && Number.parseInt(octal, 8) <= 0xff) {
      text += String.fromCharCode(Number.parseInt(octal, 8));
      i += 4;
      continue;
    }
    fail('invalid escape sequence', i);
  }
  push('string', text, start);
  return i + 1;
}
