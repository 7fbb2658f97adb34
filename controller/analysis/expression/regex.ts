// Linear-time matching for `matches`: the parsed pattern becomes a small instruction list that is
// run as a Thompson NFA (every live state advanced one character at a time), so the work is
// bounded by pattern size × subject length whatever the pattern.

import { LruCache } from './lru-cache.ts';
import {
  type AssertKind,
  type CharSet,
  parseRegex,
  type RegexNode,
  RegexSyntaxError,
} from './regex-parse.ts';

export { RegexSyntaxError } from './regex-parse.ts';

const MAX_PROGRAM = 20_000;

type Instruction =
  | { op: 'char'; test: (code: number) => boolean; next: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

export interface CompiledRegex {
  readonly pattern: string;
  readonly program: readonly Instruction[];
  readonly start: number;
}

const cache = new LruCache<string, CompiledRegex>(64);

/** Compiles (or fetches from the cache) a pattern; throws `RegexSyntaxError`. */
export function compileRegex(pattern: string): CompiledRegex {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const { node, flags } = parseRegex(pattern);
  const program: Instruction[] = [{ op: 'match' }];
  const emit = (instruction: Instruction): number => {
    if (program.length >= MAX_PROGRAM) throw new RegexSyntaxError('pattern is too large');
    program.push(instruction);
    return program.length - 1;
  };
  const charTest = (set: CharSet): ((code: number) => boolean) => {
    const inSet = (code: number): boolean =>
      set.ranges.some(([low, high]) => code >= low && code <= high) !== set.negated;
    if (!flags.ignoreCase) return inSet;
    return (code) => inSet(code) || inSet(caseFold(code, 'lower')) || inSet(caseFold(code, 'upper'));
  };
  // Compiles back to front: each node gets the instruction to continue with and returns its entry.
  const compile = (item: RegexNode, next: number): number => {
    switch (item.type) {
      case 'char':
        return emit({ op: 'char', test: charTest(item.set), next });
      case 'assert':
        return emit({ op: 'assert', kind: item.kind, next });
      case 'concat':
        return item.items.reduceRight((continuation, part) => compile(part, continuation), next);
      case 'alt':
        return item.options
          .map((option) => compile(option, next))
          .reduceRight((rest, entry) => emit({ op: 'split', a: entry, b: rest }));
      case 'repeat': {
        let entry = next;
        if (item.max === Number.POSITIVE_INFINITY) {
          const loop = emit({ op: 'split', a: -1, b: next });
          const body = compile(item.item, loop);
          program[loop] = { op: 'split', a: body, b: next };
          entry = loop;
        } else {
          for (let k = item.min; k < item.max; k++)
            entry = emit({ op: 'split', a: compile(item.item, entry), b: next });
        }
        for (let k = 0; k < item.min; k++) entry = compile(item.item, entry);
        return entry;
      }
    }
  };
  const compiled: CompiledRegex = { pattern, program, start: compile(node, 0) };
  cache.set(pattern, compiled);
  return compiled;
}

function caseFold(code: number, to: 'lower' | 'upper'): number {
  const text = String.fromCodePoint(code);
  const folded = to === 'lower' ? text.toLowerCase() : text.toUpperCase();
  return folded.length === text.length ? (folded.codePointAt(0) ?? code) : code;
}

function isWordCode(code: number | undefined): boolean {
  return (
    code !== undefined &&
    ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || code === 95 || (code >= 97 && code <= 122))
  );
}

/**
 * Whether the pattern matches anywhere in `subject` (unanchored, like Go's MatchString).
 * `charge` is told the work done per character so the caller can enforce its budget.
 */
export function regexMatches(
  regex: CompiledRegex,
  subject: string,
  charge: (steps: number) => void,
): boolean {
  const codes = Array.from(subject, (ch) => ch.codePointAt(0) as number);
  const { program } = regex;
  const marks = new Int32Array(program.length).fill(-1);
  let matched = false;

  const add = (list: number[], pc: number, pos: number): void => {
    const stack = [pc];
    while (stack.length > 0 && !matched) {
      const at = stack.pop() as number;
      if (marks[at] === pos) continue;
      marks[at] = pos;
      const instruction = program[at] as Instruction;
      switch (instruction.op) {
        case 'match':
          matched = true;
          break;
        case 'char':
          list.push(at);
          break;
        case 'split':
          stack.push(instruction.b, instruction.a);
          break;
        case 'assert':
          if (assertionHolds(instruction.kind, codes, pos)) stack.push(instruction.next);
          break;
      }
    }
  };

  let current: number[] = [];
  for (let pos = 0; ; pos++) {
    add(current, regex.start, pos);
    if (matched) return true;
    if (pos === codes.length) return false;
    charge(1 + (current.length >> 3));
    const code = codes[pos] as number;
    const next: number[] = [];
    for (const pc of current) {
      const instruction = program[pc] as Instruction;
      if (instruction.op === 'char' && instruction.test(code)) add(next, instruction.next, pos + 1);
      if (matched) return true;
    }
    current = next;
  }
}

function assertionHolds(kind: AssertKind, codes: readonly number[], pos: number): boolean {
  const before = codes[pos - 1];
  const after = codes[pos];
  switch (kind) {
    case 'text-start':
      return pos === 0;
    case 'text-end':
      return pos === codes.length;
    case 'line-start':
      return pos === 0 || before === 10;
    case 'line-end':
      return pos === codes.length || after === 10;
    case 'word':
      return isWordCode(before) !== isWordCode(after);
    case 'not-word':
      return isWordCode(before) === isWordCode(after);
  }
}
