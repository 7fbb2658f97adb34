// Parses the RE2 subset that `matches` accepts into a small tree. Go's regexp (which expr uses) is
// RE2: no backreferences and no lookaround, and matching runs in linear time. JavaScript's RegExp
// backtracks, so a hostile pattern could stall the controller; this module and `regex.ts` give
// `matches` its own linear-time engine instead.

export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
}

/** Code point ranges, inclusive; `negated` inverts the set. */
export interface CharSet {
  ranges: [number, number][];
  negated: boolean;
}

export type AssertKind = 'line-start' | 'line-end' | 'text-start' | 'text-end' | 'word' | 'not-word';

export type RegexNode =
  | { type: 'char'; set: CharSet }
  | { type: 'assert'; kind: AssertKind }
  | { type: 'concat'; items: RegexNode[] }
  | { type: 'alt'; options: RegexNode[] }
  | { type: 'repeat'; item: RegexNode; min: number; max: number };

export interface RegexFlags {
  ignoreCase: boolean;
  dotAll: boolean;
  multiline: boolean;
}

const MAX_PATTERN_LENGTH = 1000;
/** RE2's limit on a counted repetition. */
const MAX_REPEAT = 1000;

const DIGIT: [number, number][] = [[48, 57]];
const WORD: [number, number][] = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const SPACE: [number, number][] = [
  [9, 10],
  [12, 13],
  [32, 32],
];
const CLASS_ESCAPES: ReadonlyMap<string, CharSet> = new Map([
  ['d', { ranges: DIGIT, negated: false }],
  ['D', { ranges: DIGIT, negated: true }],
  ['w', { ranges: WORD, negated: false }],
  ['W', { ranges: WORD, negated: true }],
  ['s', { ranges: SPACE, negated: false }],
  ['S', { ranges: SPACE, negated: true }],
]);
const CONTROL_ESCAPES: ReadonlyMap<string, number> = new Map([
  ['n', 10],
  ['t', 9],
  ['r', 13],
  ['f', 12],
  ['v', 11],
  ['a', 7],
]);

export function parseRegex(pattern: string): { node: RegexNode; flags: RegexFlags } {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new RegexSyntaxError(`pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  const flags: RegexFlags = { ignoreCase: false, dotAll: false, multiline: false };
  let i = 0;
  // Go patterns often start with flags such as `(?i)`; only that leading form is supported.
  const leading = /^\(\?([ism]+)\)/.exec(pattern);
  if (leading?.[1] !== undefined) {
    flags.ignoreCase = leading[1].includes('i');
    flags.dotAll = leading[1].includes('s');
    flags.multiline = leading[1].includes('m');
    i = leading[0].length;
  }
  const chars = Array.from(pattern.slice(i));
  let pos = 0;
  const peek = (): string | undefined => chars[pos];
  const fail = (reason: string): never => {
    throw new RegexSyntaxError(reason);
  };

  const parseAlternation = (): RegexNode => {
    const options = [parseConcat()];
    while (peek() === '|') {
      pos++;
      options.push(parseConcat());
    }
    return options.length === 1 ? (options[0] as RegexNode) : { type: 'alt', options };
  };

  const parseConcat = (): RegexNode => {
    const items: RegexNode[] = [];
    while (pos < chars.length && peek() !== '|' && peek() !== ')') {
      let atom = parseAtom();
      while (true) {
        const bounds = parseQuantifier();
        if (bounds === undefined) break;
        if (atom.type === 'assert') fail('missing argument to repetition operator');
        atom = { type: 'repeat', item: atom, min: bounds[0], max: bounds[1] };
      }
      items.push(atom);
    }
    return items.length === 1 ? (items[0] as RegexNode) : { type: 'concat', items };
  };

  const parseQuantifier = (): [number, number] | undefined => {
    const c = peek();
    let bounds: [number, number] | undefined;
    if (c === '*') bounds = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') bounds = [1, Number.POSITIVE_INFINITY];
    else if (c === '?') bounds = [0, 1];
    if (bounds !== undefined) {
      pos++;
    } else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(pos, pos + 12).join(''));
      if (match === null) return undefined; // A lone `{` is a literal, as in RE2.
      const min = Number(match[1]);
      const max =
        match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
      if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT) || max < min) {
        fail('invalid repeat count');
      }
      pos += match[0].length;
      bounds = [min, max];
    } else {
      return undefined;
    }
    if (peek() === '?') pos++; // Lazy and greedy agree on whether there is a match.
    return bounds;
  };

  const parseAtom = (): RegexNode => {
    const c = chars[pos++];
    switch (c) {
      case '(': {
        if (peek() === '?') {
          const rest = chars.slice(pos, pos + 3).join('');
          if (rest.startsWith('?:')) pos += 2;
          else if (rest.startsWith('?P<') || rest.startsWith('?<')) {
            const close = chars.indexOf('>', pos);
            if (close === -1 || rest.startsWith('?<=') || rest.startsWith('?<!'))
              fail('unsupported group syntax');
            pos = close + 1;
          } else
            fail(
              'unsupported group syntax (lookaround and inline flags other than a leading (?i) are not available)',
            );
        }
        const inner = parseAlternation();
        if (chars[pos++] !== ')') fail('missing closing )');
        return inner;
      }
      case ')':
        return fail('unexpected )');
      case '[':
        return { type: 'char', set: parseClass() };
      case '.':
        return {
          type: 'char',
          set: flags.dotAll ? { ranges: [], negated: true } : { ranges: [[10, 10]], negated: true },
        };
      case '^':
        return { type: 'assert', kind: flags.multiline ? 'line-start' : 'text-start' };
      case '$':
        return { type: 'assert', kind: flags.multiline ? 'line-end' : 'text-end' };
      case '\\':
        return parseEscape(false);
      case '*':
      case '+':
      case '?':
        return fail('missing argument to repetition operator');
      default:
        return literal(c as string);
    }
  };

  const literal = (c: string): RegexNode => {
    const code = c.codePointAt(0) as number;
    return { type: 'char', set: { ranges: [[code, code]], negated: false } };
  };

  const parseEscape = (inClass: boolean): RegexNode => {
    const c = chars[pos++];
    if (c === undefined) return fail('trailing backslash');
    const charClass = CLASS_ESCAPES.get(c);
    if (charClass !== undefined) return { type: 'char', set: charClass };
    const control = CONTROL_ESCAPES.get(c);
    if (control !== undefined) return { type: 'char', set: { ranges: [[control, control]], negated: false } };
    if (!inClass) {
      if (c === 'b') return { type: 'assert', kind: 'word' };
      if (c === 'B') return { type: 'assert', kind: 'not-word' };
      if (c === 'A') return { type: 'assert', kind: 'text-start' };
      if (c === 'z') return { type: 'assert', kind: 'text-end' };
    }
    if (c === 'x') {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(chars.slice(pos, pos + 8).join(''));
      const plain = /^[0-9a-fA-F]{2}/.exec(chars.slice(pos, pos + 2).join(''));
      const hex = braced?.[1] ?? plain?.[0];
      if (hex === undefined) return fail('invalid escape sequence \\x');
      pos += braced?.[0].length ?? 2;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) fail('invalid escape sequence \\x');
      return { type: 'char', set: { ranges: [[code, code]], negated: false } };
    }
    // Escaped punctuation is literal; letters and digits would be backreferences or classes RE2 lacks.
    if (/[0-9A-Za-z]/.test(c)) return fail(`invalid or unsupported escape sequence \\${c}`);
    return literal(c);
  };

  const parseClass = (): CharSet => {
    const negated = peek() === '^';
    if (negated) pos++;
    const ranges: [number, number][] = [];
    let first = true;
    while (true) {
      const c = chars[pos];
      if (c === undefined) return fail('missing closing ]');
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && chars[pos + 1] === ':') fail('POSIX character classes are not supported');
      const low = classAtom();
      if (typeof low !== 'number') {
        ranges.push(...(low.negated ? invert(low.ranges) : low.ranges));
        continue;
      }
      if (peek() === '-' && chars[pos + 1] !== ']' && chars[pos + 1] !== undefined) {
        pos++;
        const high = classAtom();
        if (typeof high !== 'number' || high < low) fail('invalid character class range');
        ranges.push([low, high as number]);
      } else {
        ranges.push([low, low]);
      }
    }
    pos++;
    return { ranges, negated };
  };

  const classAtom = (): number | CharSet => {
    const c = chars[pos++] as string;
    if (c !== '\\') return c.codePointAt(0) as number;
    const node = parseEscape(true);
    if (node.type !== 'char') return fail('invalid escape in character class');
    const only = node.set.ranges[0];
    if (!node.set.negated && node.set.ranges.length === 1 && only !== undefined && only[0] === only[1])
      return only[0];
    return node.set;
  };

  const node = parseAlternation();
  if (pos < chars.length) fail('unexpected )');
  return { node, flags };
}

function invert(ranges: readonly [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [low, high] of sorted) {
    if (low > next) out.push([next, low - 1]);
    next = Math.max(next, high + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}
