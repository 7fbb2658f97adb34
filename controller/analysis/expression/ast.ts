// The syntax tree the parser builds and the evaluator walks. Every node keeps the offset of the
// token it came from so runtime errors can point into the expression.

type Literal = number | string | boolean | null;

interface LiteralNode {
  type: 'literal';
  value: Literal;
  position: number;
}

interface IdentifierNode {
  type: 'identifier';
  name: string;
  position: number;
}

/** `#` (name ''), `#index`, `#acc` inside a predicate. */
interface PointerNode {
  type: 'pointer';
  name: string;
  position: number;
}

interface UnaryNode {
  type: 'unary';
  operator: '!' | '-' | '+';
  operand: Node;
  position: number;
}

export type BinaryOperator =
  | '||'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'matches'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | '..'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '??';

interface BinaryNode {
  type: 'binary';
  operator: BinaryOperator;
  left: Node;
  right: Node;
  position: number;
}

interface ConditionalNode {
  type: 'conditional';
  test: Node;
  consequent: Node;
  alternate: Node;
  position: number;
}

/** `a.b`, `a?.b`, `a[i]`; `property` is a string literal for the dotted forms. */
export interface MemberNode {
  type: 'member';
  object: Node;
  property: Node;
  optional: boolean;
  position: number;
}

export interface SliceNode {
  type: 'slice';
  object: Node;
  from: Node | undefined;
  to: Node | undefined;
  position: number;
}

/** Wraps a member chain that contains `?.`, where a nil short-circuits the rest of the chain. */
interface ChainNode {
  type: 'chain';
  expression: Node;
  position: number;
}

interface ArrayNode {
  type: 'array';
  elements: Node[];
  position: number;
}

interface MapNode {
  type: 'map';
  entries: { key: Node; value: Node }[];
  position: number;
}

/** A builtin call; predicate arguments are `PredicateNode`s, evaluated once per element. */
export interface CallNode {
  type: 'call';
  name: string;
  args: Node[];
  position: number;
}

interface PredicateNode {
  type: 'predicate';
  body: Node;
  position: number;
}

export type Node =
  | LiteralNode
  | IdentifierNode
  | PointerNode
  | UnaryNode
  | BinaryNode
  | ConditionalNode
  | MemberNode
  | SliceNode
  | ChainNode
  | ArrayNode
  | MapNode
  | CallNode
  | PredicateNode;

/** Calls `visit` on every node, parents first. */
export function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  for (const child of children(node)) walk(child, visit);
}

/** Direct children of a node, in source order. */
export function children(node: Node): Node[] {
  switch (node.type) {
    case 'literal':
    case 'identifier':
    case 'pointer':
      return [];
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'conditional':
      return [node.test, node.consequent, node.alternate];
    case 'member':
      return [node.object, node.property];
    case 'slice':
      return [node.object, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])];
    case 'chain':
      return [node.expression];
    case 'array':
      return node.elements;
    case 'map':
      return node.entries.flatMap((entry) => [entry.key, entry.value]);
    case 'call':
      return node.args;
    case 'predicate':
      return [node.body];
  }
}
