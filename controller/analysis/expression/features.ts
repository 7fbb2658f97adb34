// What an expression looks at, found from its syntax tree. The analysis layer uses it to tell
// whether a condition deals with missing data itself (calls `len`, `default`, `isNil`, `isNaN`,
// uses `??` or `?.`, or compares with nil) before it lets the condition judge an empty result.

import { children, type Node, walk } from './ast.ts';

export interface ExpressionFeatures {
  /** Names of the functions the expression calls. */
  readonly functions: ReadonlySet<string>;
  /** Names of the variables it reads (`result`, `$env`, ...), outside predicates' `#`. */
  readonly variables: ReadonlySet<string>;
  /** Uses `??` or `?.`, or compares something with `nil`. */
  readonly nilAware: boolean;
}

function isNilLiteral(node: Node): boolean {
  return node.type === 'literal' && node.value === null;
}

export function analyse(root: Node): ExpressionFeatures {
  const functions = new Set<string>();
  const variables = new Set<string>();
  let nilAware = false;
  walk(root, (node) => {
    if (node.type === 'call') functions.add(node.name);
    else if (node.type === 'identifier') variables.add(node.name);
    else if (node.type === 'chain') nilAware = true;
    else if (node.type === 'binary') {
      if (node.operator === '??') nilAware = true;
      if (
        (node.operator === '==' || node.operator === '!=') &&
        (isNilLiteral(node.left) || isNilLiteral(node.right))
      ) {
        nilAware = true;
      }
    }
  });
  return { functions, variables, nilAware };
}

/**
 * Depth of the tree and where its deepest node is, counted without recursion so a hostile tree
 * cannot overflow the stack.
 */
export function depthOf(root: Node): { depth: number; position: number } {
  let deepest = { depth: 0, position: root.position };
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Node, number];
    if (depth > deepest.depth) deepest = { depth, position: node.position };
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
