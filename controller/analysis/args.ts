// Arguments of an AnalysisRun and their `{{args.name}}` placeholders. Argo Rollouts substitutes
// them into the whole metric (query, address, headers, conditions, count, limits); so do we, but
// field by field rather than through a JSON string, so a value never needs escaping. A
// placeholder of an argument the run does not define is an error, not text sent to Prometheus.

import type { Argument } from '../api/analysis.ts';
import type { SecretKeySelector } from '../api/meta.ts';
import { AnalysisSpecError } from './assess/index.ts';

/** Matches `{{args.name}}` and `{{ args.name }}` (Argo trims the tag). */
const PLACEHOLDER = /\{\{\s*args\.([^{}\s]+)\s*\}\}/g;

/** A person must fix an argument or a placeholder before the run can measure. */
export class ArgumentError extends AnalysisSpecError {
  override readonly name = 'ArgumentError';
  readonly argument: string;

  constructor(argument: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.argument = argument;
  }
}

/** The run's arguments split by where their values come from. */
export interface RunArguments {
  /** Literal values, known without any I/O. */
  values: ReadonlyMap<string, string>;
  /** Read from a Secret in the run's namespace when a measurement needs them. */
  secrets: ReadonlyMap<string, SecretKeySelector>;
}

/**
 * Sorts the run's arguments; throws `ArgumentError` for one without a usable source. In a run,
 * every argument is resolved except `secretKeyRef` (see create-run.ts), so `podTemplateHashValue`
 * or `fieldRef` here mean the run was written by hand with fields only a Rollout can fill in.
 */
export function runArguments(args: readonly Argument[] | undefined): RunArguments {
  const values = new Map<string, string>();
  const secrets = new Map<string, SecretKeySelector>();
  for (const arg of args ?? []) {
    if (values.has(arg.name) || secrets.has(arg.name)) {
      throw new ArgumentError(arg.name, `argument "${arg.name}" is defined twice`);
    }
    if (arg.value !== undefined) {
      values.set(arg.name, arg.value);
    } else if (arg.valueFrom?.secretKeyRef !== undefined) {
      secrets.set(arg.name, arg.valueFrom.secretKeyRef);
    } else if (arg.valueFrom?.podTemplateHashValue !== undefined || arg.valueFrom?.fieldRef !== undefined) {
      throw new ArgumentError(
        arg.name,
        `argument "${arg.name}": podTemplateHashValue and fieldRef are resolved when a Rollout creates the run; set value instead`,
      );
    } else {
      throw new ArgumentError(arg.name, `argument "${arg.name}" has no value`);
    }
  }
  return { values, secrets };
}

/** Names of the arguments a text refers to, in order, without repeats. */
export function referencedArgs(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) if (match[1] !== undefined) names.add(match[1]);
  return [...names];
}

/** Names of the arguments referred to anywhere in a value (every string inside it). */
export function referencedArgsIn(value: unknown): Set<string> {
  const names = new Set<string>();
  visitStrings(value, (text) => {
    for (const name of referencedArgs(text)) names.add(name);
  });
  return names;
}

interface SubstituteOptions {
  /** Arguments whose values are not known yet (Secrets not read): their placeholders are kept. */
  pending?: ReadonlySet<string>;
  /** Top-level keys left alone, such as a metric's `name`. */
  skipKeys?: readonly string[];
  /** Names the value in messages, such as `metric "error-rate"`. */
  subject?: string;
}

/** Replaces placeholders in one text; throws `ArgumentError` for an argument the run lacks. */
export function substituteText(
  text: string,
  values: ReadonlyMap<string, string>,
  options: SubstituteOptions & { field?: string } = {},
): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values.get(name);
    if (value !== undefined) return value;
    if (options.pending?.has(name)) return whole;
    const where = [options.subject, options.field].filter((part) => part !== undefined && part !== '');
    throw new ArgumentError(
      name,
      `${where.length > 0 ? `${where.join(': ')} refers` : 'a placeholder refers'} to {{args.${name}}}, but the run has no argument "${name}"`,
    );
  });
}

/** A copy of `value` with every string's placeholders replaced (see `substituteText`). */
export function substituteArgs<T>(
  value: T,
  values: ReadonlyMap<string, string>,
  options: SubstituteOptions = {},
): T {
  const skip = new Set(options.skipKeys ?? []);
  const walk = (node: unknown, path: string, top: boolean): unknown => {
    if (typeof node === 'string') return substituteText(node, values, { ...options, field: path });
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`, false));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        out[key] = top && skip.has(key) ? child : walk(child, path === '' ? key : `${path}.${key}`, false);
      }
      return out;
    }
    return node;
  };
  // The walk rebuilds the same shape it was given.
  return walk(value, '', true) as T;
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) visitStrings(item, visit);
  else if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) visitStrings(child, visit);
  }
}
