// Walks the syntax tree. Every node costs a step of the budget; builtins and operators charge for
// the elements they touch. Reads from the environment go through values.ts, so only own data of
// plain objects and arrays is reachable, and only builtins can be called.

import { fetch, sliceOf } from './access.ts';
import type { CallNode, MemberNode, Node, SliceNode } from './ast.ts';
import { BUILTINS } from './builtins.ts';
import { PREDICATE_IMPLEMENTATIONS, type Predicate } from './builtins-predicate.ts';
import type { CallContext, Limits } from './context.ts';
import {
  type EvaluationErrorCode,
  ExpressionBudgetError,
  ExpressionEvaluationError,
} from './expression-errors.ts';
import { PREDICATE_BUILTINS } from './grammar.ts';
import { applyBinary } from './operators.ts';
import {
  assertPlainData,
  isArray,
  isForbiddenName,
  isPlainObject,
  kindOf,
  readField,
  readIndex,
} from './values.ts';

/** Returned by a member read on nil after `?.`; the enclosing chain turns it into nil. */
const SHORT_CIRCUIT: unique symbol = Symbol('short-circuit');

interface Frame {
  element: unknown;
  index: number;
  accumulator: unknown;
  hasAccumulator: boolean;
}

export class Evaluator {
  private readonly source: string;
  private readonly env: Record<string, unknown>;
  private readonly limits: Readonly<Limits>;
  private readonly frames: Frame[] = [];
  private steps = 0;

  constructor(source: string, env: Record<string, unknown>, limits: Readonly<Limits>) {
    this.source = source;
    this.env = env;
    this.limits = limits;
  }

  run(node: Node): unknown {
    const raw = this.eval(node);
    const value = raw === SHORT_CIRCUIT ? null : raw;
    // Checking the result walks it, so the walk is charged too: values can share structure, and a
    // small expression can build a result whose full walk is exponential.
    assertPlainData(value, (steps) => this.charge(steps, node.position));
    return value;
  }

  private fail(code: EvaluationErrorCode, reason: string, position: number, cause?: unknown): never {
    const options = { position, source: this.source, cause };
    if (code === 'budget') throw new ExpressionBudgetError(reason, options);
    throw new ExpressionEvaluationError(code, reason, options);
  }

  private charge(steps: number, position: number): void {
    this.steps += steps;
    if (this.steps > this.limits.maxSteps) {
      this.fail('budget', `evaluation exceeded the budget of ${this.limits.maxSteps} steps`, position);
    }
  }

  private context(name: string, position: number): CallContext {
    return {
      name,
      limits: this.limits,
      fail: (code, reason, cause) => this.fail(code, reason, position, cause),
      charge: (steps) => this.charge(steps, position),
      checkString: (value) => {
        if (value.length > this.limits.maxString) {
          this.fail(
            'budget',
            `string of ${value.length} characters is longer than the limit of ${this.limits.maxString}`,
            position,
          );
        }
        return value;
      },
    };
  }

  private eval(node: Node): unknown {
    this.charge(1, node.position);
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'identifier':
        return this.identifier(node.name, node.position);
      case 'pointer':
        return this.pointer(node.name, node.position);
      case 'unary': {
        const operand = this.eval(node.operand);
        if (node.operator === '!') {
          if (typeof operand === 'boolean') return !operand;
        } else if (typeof operand === 'number') {
          return node.operator === '-' ? -operand : operand;
        }
        return this.fail(
          'type',
          `invalid operation: ${node.operator} (mismatched type ${kindOf(operand)})`,
          node.position,
        );
      }
      case 'binary': {
        if (node.operator === '&&' || node.operator === '||') {
          const left = this.bool(this.eval(node.left), node.operator, node.position);
          if (node.operator === '&&' ? !left : left) return left;
          return this.bool(this.eval(node.right), node.operator, node.position);
        }
        if (node.operator === '??') {
          const left = this.eval(node.left);
          return left === null || left === SHORT_CIRCUIT ? this.eval(node.right) : left;
        }
        const left = this.eval(node.left);
        const right = this.eval(node.right);
        return applyBinary(node.operator, left, right, this.context(node.operator, node.position));
      }
      case 'conditional':
        return this.bool(this.eval(node.test), '?:', node.position)
          ? this.eval(node.consequent)
          : this.eval(node.alternate);
      case 'member':
        return this.member(node);
      case 'slice':
        return this.slice(node);
      case 'chain': {
        const value = this.eval(node.expression);
        return value === SHORT_CIRCUIT ? null : value;
      }
      case 'array':
        return node.elements.map((element) => this.eval(element));
      case 'map': {
        const out: Record<string, unknown> = {};
        for (const entry of node.entries) {
          const key = this.eval(entry.key);
          if (typeof key !== 'string' && typeof key !== 'number') {
            return this.fail('type', `map key must be a string, got ${kindOf(key)}`, entry.key.position);
          }
          const name = String(key);
          if (isForbiddenName(name))
            return this.fail(
              'forbidden',
              `map key ${JSON.stringify(name)} is not allowed`,
              entry.key.position,
            );
          // defineProperty, not assignment, so no key can reach a setter.
          Object.defineProperty(out, name, {
            value: this.eval(entry.value),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      case 'call':
        return this.call(node);
      case 'predicate':
        return this.fail('type', 'a predicate can only be an argument of a builtin', node.position);
    }
  }

  private bool(value: unknown, operator: string, position: number): boolean {
    if (typeof value === 'boolean') return value;
    if (value === SHORT_CIRCUIT)
      return this.fail('type', `invalid operation: ${operator} (mismatched type nil)`, position);
    return this.fail('type', `invalid operation: ${operator} (mismatched type ${kindOf(value)})`, position);
  }

  private identifier(name: string, position: number): unknown {
    if (name === '$env') {
      if (isPlainObject(this.env)) return this.env;
      return this.fail('type', '$env is not available', position);
    }
    const field = readField(this.env, name);
    if (field.found) return field.value;
    if (field.forbidden) return this.fail('forbidden', `name ${name} is not accessible`, position);
    return this.fail('unknown-name', `unknown name ${name}`, position);
  }

  private pointer(name: string, position: number): unknown {
    const frame = this.frames.at(-1);
    if (frame === undefined)
      return this.fail('type', 'cannot use pointer accessor outside predicate', position);
    if (name === '') return frame.element;
    if (name === 'index') return frame.index;
    if (name === 'acc' && frame.hasAccumulator) return frame.accumulator;
    return this.fail('unknown-name', `unknown pointer #${name}`, position);
  }

  private member(node: MemberNode): unknown {
    const object = this.eval(node.object);
    if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    if (object === null && node.optional) return SHORT_CIRCUIT;
    const key = this.eval(node.property);
    return fetch(object, key, this.context('member', node.position));
  }

  private slice(node: SliceNode): unknown {
    const object = this.eval(node.object);
    if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    const from = node.from === undefined ? undefined : this.eval(node.from);
    const to = node.to === undefined ? undefined : this.eval(node.to);
    return sliceOf(object, from, to, this.context('slice', node.position));
  }

  private call(node: CallNode): unknown {
    const { name, args, position } = node;
    if (name === 'default') return this.callDefault(node);
    const ctx = this.context(name, position);
    const predicateImplementation = PREDICATE_BUILTINS.has(name)
      ? PREDICATE_IMPLEMENTATIONS.get(name)
      : undefined;
    if (predicateImplementation !== undefined) {
      const [first, ...others] = args;
      const source = first === undefined ? undefined : this.eval(first);
      if (!isArray(source)) return ctx.fail('type', `${name}() expects an array, got ${kindOf(source)}`);
      this.charge(source.length, position);
      // A copy made of own data only, so the builtins never see accessors or holes.
      const collection = Array.from({ length: source.length }, (_, i) => readIndex(source, i));
      let predicate: Predicate | undefined;
      const rest: unknown[] = [];
      for (const arg of others) {
        if (arg.type === 'predicate') predicate = this.closure(arg.body);
        else rest.push(this.eval(arg));
      }
      return predicateImplementation({ collection, predicate, rest }, ctx);
    }
    const builtin = BUILTINS.get(name);
    if (builtin === undefined) return ctx.fail('unknown-function', `unknown function ${name}()`);
    if (args.length < builtin.min || args.length > builtin.max) {
      const expected = builtin.min === builtin.max ? `${builtin.min}` : `at least ${builtin.min}`;
      return ctx.fail(
        'arguments',
        `invalid number of arguments for ${name} (expected ${expected}, got ${args.length})`,
      );
    }
    const values = args.map((arg) => {
      const value = this.eval(arg);
      return value === SHORT_CIRCUIT ? null : value;
    });
    return builtin.run(values, ctx);
  }

  private closure(body: Node): Predicate {
    return (element, index, accumulator) => {
      this.frames.push({ element, index, accumulator, hasAccumulator: accumulator !== undefined });
      try {
        const value = this.eval(body);
        return value === SHORT_CIRCUIT ? null : value;
      } finally {
        this.frames.pop();
      }
    };
  }

  /**
   * `default(value, fallback)`: the fallback when the value is nil or an empty array, or when
   * reading it failed because the data is not there (`default(result[0], 0)` on an empty vector).
   * Argo's version only ever looks at `result`; this one looks at its first argument.
   */
  private callDefault(node: CallNode): unknown {
    const [valueNode, fallbackNode] = node.args;
    if (valueNode === undefined || fallbackNode === undefined || node.args.length !== 2) {
      return this.fail(
        'arguments',
        `invalid number of arguments for default (expected 2, got ${node.args.length})`,
        node.position,
      );
    }
    let value: unknown;
    try {
      value = this.eval(valueNode);
    } catch (error) {
      if (!(error instanceof ExpressionEvaluationError) || error.code !== 'missing') throw error;
      value = null;
    }
    if (value === null || value === SHORT_CIRCUIT || (isArray(value) && value.length === 0))
      return this.eval(fallbackNode);
    return value;
  }
}
