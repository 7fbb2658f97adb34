// expr-lang's operator table and the builtins that take a predicate. Precedences are expr's own
// (parser/operator), so conditions written for Argo Rollouts group the same way here.

import type { BinaryOperator } from './ast.ts';

interface OperatorInfo {
  precedence: number;
  rightAssociative: boolean;
}

const BINARY_ROWS: ReadonlyArray<[string, number]> = [
  ['|', 0],
  ['or', 10],
  ['||', 10],
  ['and', 15],
  ['&&', 15],
  ['==', 20],
  ['!=', 20],
  ['<', 20],
  ['>', 20],
  ['>=', 20],
  ['<=', 20],
  ['in', 20],
  ['matches', 20],
  ['contains', 20],
  ['startsWith', 20],
  ['endsWith', 20],
  ['..', 25],
  ['+', 30],
  ['-', 30],
  ['*', 60],
  ['/', 60],
  ['%', 60],
  ['**', 100],
  ['^', 100],
  ['??', 500],
];

export const BINARY: ReadonlyMap<string, OperatorInfo> = new Map(
  BINARY_ROWS.map(([op, precedence]) => [op, { precedence, rightAssociative: op === '**' || op === '^' }]),
);

export const COMPARISON_PRECEDENCE = 20;

export const UNARY: ReadonlyMap<string, { precedence: number; operator: '!' | '-' | '+' }> = new Map([
  ['not', { precedence: 50, operator: '!' }],
  ['!', { precedence: 50, operator: '!' }],
  ['-', { precedence: 90, operator: '-' }],
  ['+', { precedence: 90, operator: '+' }],
]);

/** Alternative spellings, stored in the tree under one name. */
export const SPELLING: ReadonlyMap<string, BinaryOperator> = new Map([
  ['or', '||'],
  ['and', '&&'],
  ['^', '**'],
]);

/** Operators that may follow `not`, as in `x not in list`. */
export const NEGATABLE: ReadonlySet<string> = new Set([
  'in',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
]);

type ArgKind = 'expr' | 'predicate' | 'optional-expr' | 'optional-predicate';

/** Builtins whose arguments include a predicate (`#`-closure), and the shape of their arguments. */
export const PREDICATE_BUILTINS: ReadonlyMap<string, readonly ArgKind[]> = new Map<
  string,
  readonly ArgKind[]
>([
  ['all', ['expr', 'predicate']],
  ['any', ['expr', 'predicate']],
  ['none', ['expr', 'predicate']],
  ['one', ['expr', 'predicate']],
  ['filter', ['expr', 'predicate']],
  ['map', ['expr', 'predicate']],
  ['count', ['expr', 'optional-predicate']],
  ['sum', ['expr', 'optional-predicate']],
  ['find', ['expr', 'predicate']],
  ['findIndex', ['expr', 'predicate']],
  ['findLast', ['expr', 'predicate']],
  ['findLastIndex', ['expr', 'predicate']],
  ['reduce', ['expr', 'predicate', 'optional-expr']],
]);
